-- Appends one message to a topic's stream, unless a message with the same id was appended to
-- that topic within the dedup window; then it answers with the original entry id instead.
-- KEYS[1] stream; KEYS[2] dedup marker (absent: no dedup)
-- ARGV[1] approximate max length; ARGV[2] dedup window ms; ARGV[3] Message bytes; ARGV[4] accepted-at nanos
-- Returns {entry id, 1 if duplicate else 0}.
if KEYS[2] then
  local original = redis.call('GET', KEYS[2])
  if original then
    return {original, 1}
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'msg', ARGV[3], 'at', ARGV[4])
if KEYS[2] then
  redis.call('SET', KEYS[2], id, 'PX', ARGV[2])
end
return {id, 0}

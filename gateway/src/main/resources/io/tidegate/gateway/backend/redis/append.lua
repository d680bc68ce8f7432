-- Appends a run of messages to one topic's stream, in order, skipping each one whose id was
-- appended to that topic within the dedup window (it answers with the original entry id).
-- One call per run instead of one per message: the Lua call costs more than the XADD.
-- KEYS[1] stream; KEYS[2..] dedup markers of the messages that have an id
-- ARGV[1] approximate max length; ARGV[2] dedup window ms;
-- then per message: index of its dedup marker in KEYS (0: none), Message bytes, accepted-at nanos
-- Returns {entry id, 1 if duplicate else 0, entry id, ...}, one pair per message.
local out = {}
for i = 3, #ARGV, 3 do
  local marker = tonumber(ARGV[i])
  local original = marker > 0 and redis.call('GET', KEYS[marker])
  if original then
    out[#out + 1] = original
    out[#out + 1] = 1
  else
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'msg', ARGV[i + 1], 'at', ARGV[i + 2])
    if marker > 0 then
      redis.call('SET', KEYS[marker], id, 'PX', ARGV[2])
    end
    out[#out + 1] = id
    out[#out + 1] = 0
  end
end
return out

-- Appends a run of messages to one topic's stream, in order, skipping each one whose id was
-- appended to that topic within the dedup window (it answers with the original entry id).
-- One call per run instead of one per message: the Lua call costs more than the XADD.
--
-- Dedup ids live in a few hashes per topic, one per time bucket of ARGV[3] ms (by Redis's clock,
-- so every replica agrees), field = message id, value = its entry id: a hash field costs about
-- half of a key with its own expiry. A lookup checks the buckets that can hold an id appended
-- within the window; a bucket is unlinked (freed in the background) once no lookup can reach it,
-- with an expiry as a safety net for a topic that stops. So an id is remembered for at least the
-- window and at most one bucket longer.
-- KEYS[1] stream; KEYS[2] the topic's dedup bucket prefix (same hash slot)
-- ARGV[1] approximate max length; ARGV[2] dedup window ms; ARGV[3] bucket ms;
-- then per message: its id ('' = not deduplicated), Message bytes, accepted-at nanos
-- Returns {entry id, 1 if duplicate else 0, entry id, ...}, one pair per message.
local bucketMs = tonumber(ARGV[3])
local spans = math.ceil(tonumber(ARGV[2]) / bucketMs)
local current, bucket
local function buckets()
  if not current then
    local t = redis.call('TIME')
    current = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / bucketMs)
    bucket = KEYS[2] .. ':' .. current
  end
end
local function original(id)
  for b = current, current - spans, -1 do
    local entry = redis.call('HGET', KEYS[2] .. ':' .. b, id)
    if entry then
      return entry
    end
  end
  return false
end
local out = {}
local stored = false
for i = 4, #ARGV, 3 do
  local id = ARGV[i]
  local earlier = false
  if id ~= '' then
    buckets()
    earlier = original(id)
  end
  if earlier then
    out[#out + 1] = earlier
    out[#out + 1] = 1
  else
    local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'msg', ARGV[i + 1], 'at', ARGV[i + 2])
    if id ~= '' then
      redis.call('HSET', bucket, id, entry)
      stored = true
    end
    out[#out + 1] = entry
    out[#out + 1] = 0
  end
end
if stored then
  redis.call('PEXPIREAT', bucket, (current + spans + 1) * bucketMs)
  redis.call('UNLINK', KEYS[2] .. ':' .. (current - spans - 1))
end
return out

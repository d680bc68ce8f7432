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
--
-- Each command a script calls costs Redis a dispatch, so the work is done per run, not per
-- message: one HMGET per bucket for all the run's ids not found yet (newest bucket first, so an
-- id answers with the entry a per-message lookup would find), an id repeated in the run answered
-- from a table with its first occurrence's entry, and one HSET of the new ids at the end. Per
-- message that leaves one XADD. The script is atomic, so storing the ids after the XADDs is
-- invisible to every other client.
-- KEYS[1] stream; KEYS[2] the topic's dedup bucket prefix (same hash slot); KEYS[3], on Redis
-- Cluster only, the topic's wake channel (same hash slot): an SPUBLISH on it after the XADDs tells
-- the gateways' shared readers to read the topic (see ShardWakes), since a blocking XREAD there
-- cannot name streams of two slots. Standalone Redis passes two keys and publishes nothing.
-- ARGV[1] approximate max length; ARGV[2] dedup window ms; ARGV[3] bucket ms;
-- then per message: its id ('' = not deduplicated), Message bytes, accepted-at nanos
-- Returns {entry id, 1 if duplicate else 0, entry id, ...}, one pair per message.

-- Fields per HMGET / HSET call: unpack puts every argument on Lua's C stack (about 8,000 slots).
local CHUNK = 1000

-- id -> its entry id once known, false while looked up; the run's distinct ids in order
local known = {}
local ids = {}
for i = 4, #ARGV, 3 do
  local id = ARGV[i]
  if id ~= '' and known[id] == nil then
    known[id] = false
    ids[#ids + 1] = id
  end
end

local current, spans, bucketMs
if #ids > 0 then
  bucketMs = tonumber(ARGV[3])
  spans = math.ceil(tonumber(ARGV[2]) / bucketMs)
  local t = redis.call('TIME')
  current = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / bucketMs)
  local missing = ids
  for b = current, current - spans, -1 do
    if #missing == 0 then
      break
    end
    local bucket = KEYS[2] .. ':' .. b
    local still = {}
    for from = 1, #missing, CHUNK do
      local found = redis.call('HMGET', bucket, unpack(missing, from, math.min(#missing, from + CHUNK - 1)))
      for j = 1, #found do
        local id = missing[from + j - 1]
        if found[j] then
          known[id] = found[j]
        else
          still[#still + 1] = id
        end
      end
    end
    missing = still
  end
end

local out = {}
local n = 0
local fresh = {}
local f = 0
local added = false
for i = 4, #ARGV, 3 do
  local id = ARGV[i]
  local earlier = id ~= '' and known[id]
  if earlier then
    out[n + 1] = earlier
    out[n + 2] = 1
  else
    local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'msg', ARGV[i + 1], 'at', ARGV[i + 2])
    added = true
    if id ~= '' then
      known[id] = entry
      fresh[f + 1] = id
      fresh[f + 2] = entry
      f = f + 2
    end
    out[n + 1] = entry
    out[n + 2] = 0
  end
  n = n + 2
end

if f > 0 then
  local bucket = KEYS[2] .. ':' .. current
  for from = 1, f, 2 * CHUNK do
    redis.call('HSET', bucket, unpack(fresh, from, math.min(f, from + 2 * CHUNK - 1)))
  end
  redis.call('PEXPIREAT', bucket, (current + spans + 1) * bucketMs)
  redis.call('UNLINK', KEYS[2] .. ':' .. (current - spans - 1))
end
if KEYS[3] and added then
  redis.call('SPUBLISH', KEYS[3], '')
end
return out

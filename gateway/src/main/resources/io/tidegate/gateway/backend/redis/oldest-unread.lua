-- Predictive balancing: how long the oldest entry the group has not read yet has waited, by
-- Redis's clock (an entry id starts with the time it was added), and the stream's newest id.
-- KEYS[1] stream; ARGV[1] group.
-- Returns {wait in ms, or -1 when the group read every entry (or has no such group),
--          the newest entry id, or '' when the stream is empty or missing}.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1, ''}
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local newestId = newest[1] and newest[1][1] or ''
local last
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, lastId
  for i = 1, #g, 2 do
    if g[i] == 'name' then
      name = g[i + 1]
    elseif g[i] == 'last-delivered-id' then
      lastId = g[i + 1]
    end
  end
  if name == ARGV[1] then
    last = lastId
    break
  end
end
if not last then
  return {-1, newestId}
end
local after = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)
if not after[1] then
  return {-1, newestId}
end
local addedMs = tonumber(string.match(after[1][1], '^(%d+)'))
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {math.max(0, nowMs - addedMs), newestId}

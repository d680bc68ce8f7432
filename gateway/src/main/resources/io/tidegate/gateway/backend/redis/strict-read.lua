-- Strict key order, reading: first the next entries of this consumer's ready keys, then entries
-- the group never read. A fresh entry whose key nobody holds goes out here and this consumer
-- holds the key; one whose key is held waits behind it, moved into the holder's pending list.
-- ARGV[5] most entries to send; ARGV[6] most fresh entries to read in this call
-- Returns {1 if fresh entries are left unread else 0, the newest stream id when nothing was sent
-- and nothing is left (else ''), {{id, {field, value, ...}, delivery count}, ...}}.
local want, budget = tonumber(ARGV[5]), tonumber(ARGV[6])
local out = {}
local mine = readyPrefix .. me
while #out < want do
  local k = redis.call('LPOP', mine)
  if not k then
    break
  end
  if redis.call('HGET', lease, 'o' .. k) == me and redis.call('HEXISTS', lease, 'f' .. k) == 0 then
    local entry = sendNext(k)
    if entry then
      out[#out + 1] = entry
    end
  end
end
local more = 0
while #out < want do
  if budget <= 0 then
    more = 1
    break
  end
  local n = math.min(want - #out, budget)
  local read = redis.call('XREADGROUP', 'GROUP', group, me, 'COUNT', n, 'STREAMS', stream, '>')
  if not read then
    break
  end
  local entries = read[1][2]
  budget = budget - #entries
  for _, e in ipairs(entries) do
    local id, fields = e[1], e[2]
    local k = orderingKey(fields)
    local holder = redis.call('HGET', lease, 'o' .. k)
    if holder then
      redis.call('XCLAIM', stream, group, holder, 0, id, 'IDLE', 0, 'RETRYCOUNT', 0, 'JUSTID')
      redis.call('RPUSH', waitPrefix .. k, id)
    else
      redis.call('HSET', lease, 'o' .. k, me, 'f' .. k, id, 'i' .. id, k)
      out[#out + 1] = {id, fields, 1}
    end
  end
  if #entries < n then
    break
  end
end
local newest = ''
if #out == 0 and more == 0 then
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  newest = last[1] and last[1][1] or '0-0'
end
return {more, newest, out}

-- Strict key order, reclaiming: entries idle past the deadline move with their key. A key moves
-- here when its message out is idle (the holder died, is too slow, or nacked it and the delay ran
-- out; it goes out again with a higher count), or when its next waiting entry waited a whole
-- deadline for a holder that did not take it. Its waiting entries come along, in order. Entries
-- waiting behind a message out are left alone: they move when it does.
-- ARGV[5] min idle ms; ARGV[6] scan start (an id, or '(' .. id); ARGV[7] most entries to send;
-- ARGV[8] most pending entries to look at
-- Returns {next scan start ('0-0' once the whole list was scanned), {{id, {field, value, ...}, delivery count}, ...}}.
local want, page = tonumber(ARGV[7]), tonumber(ARGV[8])
local out = {}
local pending = redis.call('XPENDING', stream, group, 'IDLE', ARGV[5], ARGV[6], '+', page)
local last
for _, p in ipairs(pending) do
  if #out >= want then
    break
  end
  local id, count = p[1], p[4]
  last = id
  local k = redis.call('HGET', lease, 'i' .. id)
  if k and redis.call('HGET', lease, 'f' .. k) == id then
    take(k)
    local claimed = redis.call('XCLAIM', stream, group, me, 0, id)
    if claimed[1] and claimed[1][2] then
      out[#out + 1] = {id, claimed[1][2], count + 1}
    else
      -- trimmed from the stream: it is done, the next one goes out instead
      redis.call('HDEL', lease, 'i' .. id, 'f' .. k)
      local entry = sendNext(k)
      if entry then
        out[#out + 1] = entry
      end
    end
  else
    local entry = redis.call('XRANGE', stream, id, id)
    if #entry == 0 then
      redis.call('XACK', stream, group, id)
    else
      k = orderingKey(entry[1][2])
      if not redis.call('HGET', lease, 'o' .. k) then
        -- pending without a holder (read before the group asked for strict order): adopt it
        redis.call('HSET', lease, 'o' .. k, me, 'f' .. k, id, 'i' .. id, k)
        local claimed = redis.call('XCLAIM', stream, group, me, 0, id)
        out[#out + 1] = {id, claimed[1][2], count + 1}
      elseif redis.call('HEXISTS', lease, 'f' .. k) == 0 then
        local q = waitPrefix .. k
        local head = redis.call('LINDEX', q, 0)
        -- drop heads that left the pending list (trimmed and claimed by someone meanwhile)
        while head and head ~= id and #redis.call('XPENDING', stream, group, head, head, 1) == 0 do
          redis.call('LPOP', q)
          head = redis.call('LINDEX', q, 0)
        end
        if head == id then
          take(k)
          local sent = sendNext(k)
          if sent then
            out[#out + 1] = sent
          end
        end
      end
    end
  end
end
local nextStart = '0-0'
if last and (#pending == page or #out >= want) then
  nextStart = '(' .. last
end
return {nextStart, out}

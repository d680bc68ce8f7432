-- Strict key order, acking: each acked message out of a key lets the key's next waiting entry go
-- out to its holder (or ends the lease when none waits). The holder is not always the acking
-- consumer: a late ack of a message whose key moved on its deadline readies the next entry for
-- the key's new holder, which only a wake makes look at once.
-- ARGV[5..] entry ids
-- Returns the holders that got an entry ready, each once.
local holders, seen = {}, {}
for i = 5, #ARGV do
  local id = ARGV[i]
  redis.call('XACK', stream, group, id)
  local k = redis.call('HGET', lease, 'i' .. id)
  if k then
    redis.call('HDEL', lease, 'i' .. id)
    if redis.call('HGET', lease, 'f' .. k) == id then
      local holder = release(k)
      if holder and not seen[holder] then
        seen[holder] = true
        holders[#holders + 1] = holder
      end
    end
  end
end
return holders

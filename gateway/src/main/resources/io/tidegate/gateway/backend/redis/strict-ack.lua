-- Strict key order, acking: each acked message out of a key lets the key's next waiting entry go
-- out to its holder (or ends the lease when none waits).
-- ARGV[5..] entry ids
-- Returns how many keys got an entry ready.
local ready = 0
for i = 5, #ARGV do
  local id = ARGV[i]
  redis.call('XACK', stream, group, id)
  local k = redis.call('HGET', lease, 'i' .. id)
  if k then
    redis.call('HDEL', lease, 'i' .. id)
    if redis.call('HGET', lease, 'f' .. k) == id then
      ready = ready + release(k)
    end
  end
end
return ready

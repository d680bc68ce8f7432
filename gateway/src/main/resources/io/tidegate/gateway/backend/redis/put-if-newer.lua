-- Writes a field of a shared hash unless the hash holds a version of it at least as new, so
-- replicas writing the same fact write it once and an older fact never replaces a newer one.
-- KEYS[1] the hash; ARGV[1] the field, ARGV[2] its value, ARGV[3] the field holding its version,
-- ARGV[4] the version: a non-negative decimal of at most 19 digits. Lua numbers are doubles,
-- exact only to 2^53, so versions (Unix nanoseconds) are compared in two exact halves.
-- Returns 1 when written, 0 when the held version is at least as new.
local function halves(v)
  local n = #v
  if n <= 9 then
    return 0, tonumber(v)
  end
  return tonumber(string.sub(v, 1, n - 9)), tonumber(string.sub(v, n - 8))
end

local held = redis.call('HGET', KEYS[1], ARGV[3])
if held then
  local held_high, held_low = halves(held)
  local high, low = halves(ARGV[4])
  if held_high > high or (held_high == high and held_low >= low) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1

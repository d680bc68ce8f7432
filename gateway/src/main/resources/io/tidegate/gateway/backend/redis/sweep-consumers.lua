-- Removes consumers of a group that hold nothing and have not read for ARGV[2] ms: members
-- that closed or died and whose entries others have reclaimed. Without this a group collects
-- one dead consumer per session forever. A live member removed by mistake loses nothing:
-- it holds no entries, and Redis recreates it on its next read.
-- KEYS[1] stream; ARGV[1] group; ARGV[2] min idle ms
-- Returns how many consumers were removed.
local removed = 0
local minIdle = tonumber(ARGV[2])
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local name, pending, idle
  for i = 1, #c, 2 do
    if c[i] == 'name' then
      name = c[i + 1]
    elseif c[i] == 'pending' then
      pending = c[i + 1]
    elseif c[i] == 'idle' then
      idle = c[i + 1]
    end
  end
  if name and pending == 0 and idle and idle >= minIdle then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
    removed = removed + 1
  end
end
return removed

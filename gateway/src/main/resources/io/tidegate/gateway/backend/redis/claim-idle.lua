-- Claims entries of a group that other members (or this one) left unacked past the deadline,
-- and reports each one's delivery count, which XAUTOCLAIM itself does not return.
-- KEYS[1] stream; ARGV[1] group; ARGV[2] consumer; ARGV[3] min idle ms; ARGV[4] scan cursor; ARGV[5] count
-- Returns {next cursor, {{id, {field, value, ...}, delivery count}, ...}}.
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out = {}
for _, entry in ipairs(claimed[2]) do
  -- Redis 6.2 lists trimmed entries with nil fields; 7.x reports them separately.
  if entry[2] then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
    out[#out + 1] = {entry[1], entry[2], pending[1][4]}
  end
end
return {claimed[1], out}

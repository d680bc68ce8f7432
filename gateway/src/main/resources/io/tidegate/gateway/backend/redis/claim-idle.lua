-- Claims entries of a group that other members (or this one) left unacked past the deadline,
-- and reports each one's delivery count, which XAUTOCLAIM itself does not return.
-- XAUTOCLAIM looks at no more than 10 x COUNT pending entries per call, so with a small COUNT
-- and a long list of entries still in their deadline it would crawl; XPENDING IDLE finds the
-- first claimable entry in one pass and the claim starts there.
-- KEYS[1] stream; ARGV[1] group; ARGV[2] consumer; ARGV[3] min idle ms; ARGV[4] scan cursor; ARGV[5] count
-- Returns {next cursor ('0-0' once the whole list was scanned), {{id, {field, value, ...}, delivery count}, ...}}.
local first = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[3], ARGV[4], '+', 1)
if #first == 0 then
  return {'0-0', {}}
end
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], first[1][1], 'COUNT', ARGV[5])
local out = {}
for _, entry in ipairs(claimed[2]) do
  -- Redis 6.2 lists trimmed entries with nil fields; 7.x reports them separately.
  if entry[2] then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
    out[#out + 1] = {entry[1], entry[2], pending[1][4]}
  end
end
return {claimed[1], out}

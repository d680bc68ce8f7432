-- Sets when this consumer's pending entries become reclaimable: each entry's idle time becomes
-- ARGV[3] ms, so it crosses a deadline of D ms after D - ARGV[3] ms. JUSTID keeps the delivery
-- count unless ARGV[4] sets it (a read that was never handed out is not a delivery). Entries
-- that were acked, or reclaimed by another member meanwhile, are left alone.
-- KEYS[1] stream; ARGV[1] group; ARGV[2] consumer; ARGV[3] idle ms; ARGV[4] delivery count or ''; ARGV[5..] entry ids
-- Returns how many entries were updated.
local updated = 0
for i = 5, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    if ARGV[4] == '' then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'JUSTID')
    else
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'RETRYCOUNT', ARGV[4], 'JUSTID')
    end
    updated = updated + 1
  end
end
return updated

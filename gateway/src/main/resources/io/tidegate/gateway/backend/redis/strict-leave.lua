-- Strict key order, a member leaving: everything pending under its name becomes idle for a whole
-- deadline, so the next reclaim of any member takes its keys (message out first, then the
-- waiting entries, in order) instead of waiting for the deadline to pass.
-- ARGV[5] idle ms (the deadline)
-- Returns how many pending entries were marked.
local marked = 0
local start = '-'
while true do
  local page = redis.call('XPENDING', stream, group, start, '+', 200, me)
  local ids = {}
  for _, p in ipairs(page) do
    ids[#ids + 1] = p[1]
  end
  claimIds(me, ids, 'IDLE', ARGV[5])
  marked = marked + #ids
  if #page < 200 then
    break
  end
  start = '(' .. page[#page][1]
end
redis.call('DEL', readyPrefix .. me)
return marked

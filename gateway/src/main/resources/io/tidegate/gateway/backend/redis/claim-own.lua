-- Takes back the entries still pending for this consumer name (left by an earlier incarnation
-- of the same member), counting this as a new delivery.
-- KEYS[1] stream; ARGV[1] group; ARGV[2] consumer; ARGV[3] start ('-' or '(' .. id); ARGV[4] count
-- Returns {next start or '' when done, {{id, {field, value, ...}, delivery count}, ...}}.
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], '+', tonumber(ARGV[4]), ARGV[2])
local out = {}
for _, p in ipairs(pending) do
  local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, p[1])
  -- an entry trimmed from the stream comes back empty and leaves the pending list
  if claimed[1] and claimed[1][2] then
    out[#out + 1] = {claimed[1][1], claimed[1][2], p[4] + 1}
  end
end
local next = ''
if #pending == tonumber(ARGV[4]) then
  next = '(' .. pending[#pending][1]
end
return {next, out}

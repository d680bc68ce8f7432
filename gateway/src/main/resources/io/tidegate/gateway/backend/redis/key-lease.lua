-- Shared part of the strict key order scripts (strict-*.lua); LuaScript puts it in front of each.
-- Per topic and group, strict key order keeps:
--   hash KEYS[2]: 'o'..key -> the consumer holding the key; 'f'..key -> the entry id of the key's
--     one message out (delivered, not acked); 'i'..id -> the key of that message out;
--   list ARGV[3]..key: the key's entries waiting behind it, in stream order; they are pending
--     under the holder's name with delivery count 0 (never delivered);
--   list ARGV[4]..consumer: keys whose next waiting entry may go out to that consumer.
-- A key has a holder exactly while the group has entries of it pending, and all of them are in
-- the holder's pending list, so the reclaim that finds the holder's entries idle finds its keys.
-- KEYS[1] stream; KEYS[2] lease hash
-- ARGV[1] group; ARGV[2] this consumer; ARGV[3] waiting-list prefix; ARGV[4] ready-list prefix
local stream, lease = KEYS[1], KEYS[2]
local group, me, waitPrefix, readyPrefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

local function varint(s, pos)
  local value, scale = 0, 1
  while true do
    local b = string.byte(s, pos)
    if not b then
      return nil, pos
    end
    pos = pos + 1
    value = value + (b % 128) * scale
    if b < 128 then
      return value, pos
    end
    scale = scale * 128
  end
end

-- The ordering key of an entry: field 4 of the protobuf Message in its 'msg' field; '' stands
-- for the topic (the default key) when it is unset or the entry is not Tidegate's.
local function orderingKey(fields)
  local msg
  for i = 1, #fields, 2 do
    if fields[i] == 'msg' then
      msg = fields[i + 1]
    end
  end
  if not msg then
    return ''
  end
  local pos = 1
  while pos <= #msg do
    local tag
    tag, pos = varint(msg, pos)
    if not tag then
      return ''
    end
    local number, wire = math.floor(tag / 8), tag % 8
    if wire == 0 then
      local _
      _, pos = varint(msg, pos)
    elseif wire == 1 then
      pos = pos + 8
    elseif wire == 5 then
      pos = pos + 4
    elseif wire == 2 then
      local length
      length, pos = varint(msg, pos)
      if not length then
        return ''
      end
      if number == 4 then
        return string.sub(msg, pos, pos + length - 1)
      end
      pos = pos + length
    else
      return ''
    end
  end
  return ''
end

-- XCLAIM ... JUSTID of many ids, in slices that fit Lua's stack.
local function claimIds(consumer, ids, ...)
  for from = 1, #ids, 100 do
    local args = {stream, group, consumer, 0}
    for i = from, math.min(from + 99, #ids) do
      args[#args + 1] = ids[i]
    end
    for _, option in ipairs({...}) do
      args[#args + 1] = option
    end
    args[#args + 1] = 'JUSTID'
    redis.call('XCLAIM', unpack(args))
  end
end

-- Sends the next waiting entry of key k (held by this consumer); nil when none is left, and then
-- the lease ends. Entries trimmed from the stream meanwhile are skipped.
local function sendNext(k)
  local q = waitPrefix .. k
  while true do
    local id = redis.call('LPOP', q)
    if not id then
      redis.call('HDEL', lease, 'o' .. k)
      return nil
    end
    local claimed = redis.call('XCLAIM', stream, group, me, 0, id)
    if claimed[1] and claimed[1][2] then
      redis.call('HSET', lease, 'o' .. k, me, 'f' .. k, id, 'i' .. id, k)
      return {id, claimed[1][2], 1}
    end
  end
end

-- The message out of key k is done: its next waiting entry becomes ready for the holder, or the
-- lease ends. Returns the holder when an entry became ready for it, else nil.
local function release(k)
  redis.call('HDEL', lease, 'f' .. k)
  local head = redis.call('LINDEX', waitPrefix .. k, 0)
  local holder = redis.call('HGET', lease, 'o' .. k)
  if head and holder then
    -- it waited behind a message out; from now on it waits for its holder: restart its clock
    redis.call('XCLAIM', stream, group, holder, 0, head, 'IDLE', 0, 'RETRYCOUNT', 0, 'JUSTID')
    redis.call('RPUSH', readyPrefix .. holder, k)
    return holder
  end
  redis.call('HDEL', lease, 'o' .. k)
  return nil
end

-- Makes this consumer the holder of key k; its waiting entries move into this pending list.
local function take(k)
  local old = redis.call('HGET', lease, 'o' .. k)
  if old == me then
    return
  end
  redis.call('HSET', lease, 'o' .. k, me)
  claimIds(me, redis.call('LRANGE', waitPrefix .. k, 0, -1), 'IDLE', 0, 'RETRYCOUNT', 0)
  if old then
    redis.call('LREM', readyPrefix .. old, 0, k)
  end
end

--[[
  Sets or removes a function's reserved concurrency, keeping the maintained sum consistent
  and the unreserved pool at or above its minimum.

  Input:
    KEYS[1] reserved concurrency (hash: function name -> n)
    KEYS[2] sum of the reserved concurrency hash (string integer)

    ARGV[1] function name
    ARGV[2] reserved concurrency, or '' to remove the reservation
    ARGV[3] account concurrency limit
    ARGV[4] minimum unreserved concurrency

  Output:
    the new sum of reservations, or
    -1 when the reservation would leave less than the minimum unreserved

  The sum is recomputed from the hash (a rare operation), so it heals if it ever drifted.
]]
local function sumOf(values)
  local total = 0
  for _, v in ipairs(values) do
    total = total + tonumber(v)
  end
  return total
end

local others = sumOf(redis.call('HVALS', KEYS[1])) - tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')

if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], others)
  return others
end

local total = others + tonumber(ARGV[2])
if tonumber(ARGV[3]) - total < tonumber(ARGV[4]) then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], total)
return total

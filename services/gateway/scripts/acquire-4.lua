--[[
  Admits one invocation of a function, atomically, or refuses it.

  Input:
    KEYS[1] in-flight leases of the function (sorted set, score = lease expiry in ms)
    KEYS[2] in-flight leases drawing from the unreserved pool (sorted set, same scores)
    KEYS[3] reserved concurrency (hash: function name -> n)
    KEYS[4] sum of the reserved concurrency hash (string integer)

    ARGV[1] function name
    ARGV[2] lease id (unique per invocation)
    ARGV[3] lease time to live in ms (function timeout + grace)
    ARGV[4] account concurrency limit

  Output:
    {1, expiryMs}  admitted on the function's reservation
    {2, expiryMs}  admitted on the unreserved pool
    -1             the function is at its reserved concurrency (or it is 0)
    -2             the unreserved pool is full

  The clock is Redis' own (TIME), so gateways with skewed clocks agree. Expired leases
  (their holder crashed) are purged before counting, so a lost release never leaks.
]]
local fnKey = KEYS[1]
local poolKey = KEYS[2]
local ttl = tonumber(ARGV[3])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = now + ttl

-- Keep an idle function's lease set from outliving its last lease.
local function touch(key)
  if redis.call('PTTL', key) < ttl then
    redis.call('PEXPIRE', key, ttl)
  end
end

redis.call('ZREMRANGEBYSCORE', fnKey, '-inf', now)

local reserved = redis.call('HGET', KEYS[3], ARGV[1])
if reserved then
  if redis.call('ZCARD', fnKey) >= tonumber(reserved) then
    return -1
  end
  redis.call('ZADD', fnKey, expiry, ARGV[2])
  touch(fnKey)
  return {1, expiry}
end

redis.call('ZREMRANGEBYSCORE', poolKey, '-inf', now)
local pool = tonumber(ARGV[4]) - tonumber(redis.call('GET', KEYS[4]) or '0')
if redis.call('ZCARD', poolKey) >= pool then
  return -2
end
redis.call('ZADD', poolKey, expiry, ARGV[2])
redis.call('ZADD', fnKey, expiry, ARGV[2])
touch(fnKey)
return {2, expiry}

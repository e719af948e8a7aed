--[[
  Releases and admits invocations, atomically, in one batch: every release of the batch first,
  then every acquire in order, each admitted or refused against what the ones before it took.

  Input:
    KEYS[1]      in-flight leases drawing from the unreserved pool (sorted set, score = expiry ms)
    KEYS[2]      reserved concurrency (hash: function name -> n)
    KEYS[3]      sum of the reserved concurrency hash (string integer)
    KEYS[3+i]    in-flight leases of the function of release i (i = 1..R), then
    KEYS[3+R+j]  in-flight leases of the function of acquire j (j = 1..A)

    ARGV[1]      R, the number of releases
    ARGV[2]      account concurrency limit
    ARGV[2+i]    lease id of release i
    ARGV[3+R+3(j-1)+0..2]  acquire j: function name, lease id, lease time to live in ms

  Output:
    a flat array, two integers per acquire j:
      1, expiry   admitted on the function's reservation
      2, expiry   admitted on the unreserved pool
     -1, 0        the function is at its reserved concurrency (or it is 0)
     -2, 0        the unreserved pool (account limit - sum of reservations) is full

  The clock is Redis' own (TIME), so gateways with skewed clocks agree. Expired leases (their
  holder crashed) are purged before counting, so a lost release never leaks. Releases are
  idempotent.
]]
local poolKey = KEYS[1]
local releases = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

for i = 1, releases do
  redis.call('ZREM', KEYS[3 + i], ARGV[2 + i])
  redis.call('ZREM', poolKey, ARGV[2 + i])
end

local out = {}
local first = 3 + releases
local acquires = (#ARGV - first + 1) / 3
if acquires == 0 then
  return out
end

redis.call('ZREMRANGEBYSCORE', poolKey, '-inf', now)
local pool = limit - tonumber(redis.call('GET', KEYS[3]) or '0')
local pooled = redis.call('ZCARD', poolKey)
local purged = {}

for j = 1, acquires do
  local fnKey = KEYS[3 + releases + j]
  local a = first + 3 * (j - 1)
  local name, id, ttl = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local expiry = now + ttl
  if not purged[fnKey] then
    redis.call('ZREMRANGEBYSCORE', fnKey, '-inf', now)
    purged[fnKey] = true
  end
  local reserved = redis.call('HGET', KEYS[2], name)
  local code = 0
  if reserved then
    if redis.call('ZCARD', fnKey) < tonumber(reserved) then
      code = 1
    else
      out[#out + 1] = -1
    end
  elseif pooled < pool then
    code = 2
    pooled = pooled + 1
    redis.call('ZADD', poolKey, expiry, id)
  else
    out[#out + 1] = -2
  end
  if code > 0 then
    redis.call('ZADD', fnKey, expiry, id)
    -- Keep an idle function's lease set from outliving its last lease.
    if redis.call('PTTL', fnKey) < ttl then
      redis.call('PEXPIRE', fnKey, ttl)
    end
    out[#out + 1] = code
    out[#out + 1] = expiry
  else
    out[#out + 1] = 0
  end
end
return out

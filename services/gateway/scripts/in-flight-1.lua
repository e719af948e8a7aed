--[[
  Counts the live leases of one sorted set, purging the expired ones first.

  Input:
    KEYS[1] a lease sorted set (score = lease expiry in ms)

  Output:
    the number of live leases
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])

--[[
  Ends one admitted invocation. Idempotent: releasing twice, or after the lease expired and
  was purged, does nothing.

  Input:
    KEYS[1] in-flight leases of the function (sorted set)
    KEYS[2] in-flight leases drawing from the unreserved pool (sorted set)

    ARGV[1] lease id

  Output:
    the number of sorted sets the lease was removed from (0, 1 or 2)
]]
return redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])

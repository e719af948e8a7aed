import type { Redis } from 'ioredis';

/**
 * Redis's own CPU as INFO commandstats counts it: microseconds spent per command family since
 * the server started (or its stats were reset). Differences of two readings give a phase's
 * cost. The shared test Redis also serves other clients: a phase's total includes theirs.
 */
export async function redisUsec(redis: Pick<Redis, 'info'>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = await redis.info('commandstats');
  for (const m of text.matchAll(/^cmdstat_([a-z|_-]+):calls=\d+,usec=(\d+)/gm)) {
    out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

/** Microseconds between two readings, of `names` only, or of every command without them. */
export function usecOf(
  before: Map<string, number>,
  after: Map<string, number>,
  names?: readonly string[],
): number {
  const counted = names ?? [...after.keys()];
  return counted.reduce((sum, n) => sum + (after.get(n) ?? 0) - (before.get(n) ?? 0), 0);
}

/** Calls per command family since the server started (INFO commandstats), as `redisUsec`. */
export async function redisCalls(redis: Pick<Redis, 'info'>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = await redis.info('commandstats');
  for (const m of text.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)) {
    out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

import { startLamina } from '@lamina/testkit';

import type { BenchFunction } from './coldstart-functions.js';

/**
 * bench/coldstart's pre-warmed pool comparison (ADR 0019): the first call of new Node.js
 * functions in local mode, once with no pool (LAMINA_WARM_POOL_SIZE=0: a runtime is spawned per
 * cold call) and once from a warm pool (the default, one generic runtime specialised per cold
 * call), in the same run on the same machine. Each sample is a new function; before each first
 * call both modes wait the same pause, long enough (on a busy 2-core machine too) for the pool to have refilled.
 */
export interface PoolBenchClient {
  createFunction(endpoint: string, name: string, fn: BenchFunction): Promise<void>;
  /** Caller-side milliseconds of one call, and the REPORT's Init Duration when present. */
  invoke(endpoint: string, name: string, tail: boolean): Promise<{ ms: number; initMs?: number }>;
}

export interface Stats {
  n: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

const PAUSE_MS = 1000;

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: values.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function firstCalls(
  client: PoolBenchClient,
  fn: BenchFunction,
  poolSize: number,
  samples: number,
): Promise<{ firstCall: Stats; initDuration: Stats }> {
  // Without REDIS_URL, lamina dev starts a private Redis: nothing else shares it.
  const lamina = await startLamina({
    env: { REDIS_URL: undefined, LAMINA_WARM_POOL_SIZE: String(poolSize) },
  });
  const first: number[] = [];
  const init: number[] = [];
  try {
    const tag = `${String(poolSize)}-${Date.now().toString(36)}`;
    for (let i = 0; i < samples; i += 1) {
      const name = `pool-${tag}-${String(i)}`;
      await client.createFunction(lamina.url, name, fn);
      await sleep(PAUSE_MS);
      const r = await client.invoke(lamina.url, name, true);
      first.push(r.ms);
      if (r.initMs !== undefined) init.push(r.initMs);
    }
  } finally {
    await lamina.stop();
  }
  return { firstCall: stats(first), initDuration: stats(init) };
}

/** Both modes, without the pool first; samples are distinct functions. */
export async function comparePool(
  client: PoolBenchClient,
  fn: BenchFunction,
  samples: number,
): Promise<{ withoutPool: object; warmPool: object; pauseBeforeEachCallMs: number }> {
  const withoutPool = await firstCalls(client, fn, 0, samples);
  const warmPool = await firstCalls(client, fn, 1, samples);
  return { withoutPool, warmPool, pauseBeforeEachCallMs: PAUSE_MS };
}

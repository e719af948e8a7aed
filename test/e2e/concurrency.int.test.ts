import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { concurrencyKeys } from '@lamina/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';

/** Largest number of [start, end] intervals that overlap at one instant. */
function maxOverlap(intervals: readonly { start: number; end: number }[]): number {
  const events = intervals.flatMap((i): [number, number][] => [
    [i.start, 1],
    [i.end, -1],
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // ends before starts at the same ms
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}

/** A folder with one function that sleeps `sleepMs` (150) and answers when it ran. */
function stormFunction(name: string, reservedConcurrency: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-storm-'));
  mkdirSync(join(dir, 'code'));
  writeFileSync(
    join(dir, 'code', 'index.js'),
    `exports.handler = async (e) => {
       const start = Date.now();
       await new Promise((r) => setTimeout(r, e.sleepMs ?? 150));
       return { start, end: Date.now() };
     };`,
  );
  writeFileSync(
    join(dir, 'fn.yaml'),
    `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata: { name: ${name} }
spec:
  runtime: nodejs22.x
  handler: index.handler
  timeout: 1
  reservedConcurrency: ${reservedConcurrency}
  code: { path: ./code }
`,
  );
  return dir;
}

type Outcome =
  | { readonly ok: true; readonly body: { start: number; end: number } }
  | {
      readonly ok: false;
      readonly error: { name: string; Reason?: string; $metadata: { httpStatusCode?: number } };
    };

/** `n` calls at once, spread over the clients; each call's outcome. */
function storm(clients: readonly LambdaClient[], name: string, n: number): Promise<Outcome[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      clients[i % clients.length]!.send(
        new InvokeCommand({ FunctionName: name, Payload: '{}' }),
      ).then(
        (r): Outcome => ({
          ok: true,
          body: JSON.parse(Buffer.from(r.Payload ?? []).toString()) as {
            start: number;
            end: number;
          },
        }),
        (e: unknown): Outcome => ({
          ok: false,
          error: e as Extract<Outcome, { ok: false }>['error'],
        }),
      ),
    ),
  );
}

/** The calls that ran and the ones refused, each refusal checked to be the reservation's 429. */
function splitThrottled(results: readonly Outcome[]) {
  const ok = results.flatMap((r) => (r.ok ? [r.body] : []));
  const throttled = results.flatMap((r) => (r.ok ? [] : [r.error]));
  for (const e of throttled) {
    expect(e).toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      $metadata: { httpStatusCode: 429 },
    });
  }
  return { ok, throttled };
}

describe('concurrency admission across two gateway processes', () => {
  const name = uniqueName('storm');
  const redisUrl = testEnv.require('REDIS_URL');
  const redis = new Redis(redisUrl);
  let a: LaminaProcess | undefined;
  let b: LaminaProcess | undefined;

  beforeAll(async () => {
    const dir = stormFunction(name, 10);
    const state = mkdtempSync(join(tmpdir(), 'lamina-storm-state-'));
    const env = { REDIS_URL: redisUrl };
    [a, b] = await Promise.all([
      startLamina({ functionsDir: dir, stateDir: state, env }),
      startLamina({ functionsDir: dir, stateDir: state, env }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    redis.disconnect();
  });

  it('never runs more than 10 at once; the rest get 429; nothing leaks', async () => {
    const clients = [a!, b!].map((p) => lambdaClient(p.url, { maxSockets: 200 }));
    const results = await storm(clients, name, 200);
    const { ok, throttled } = splitThrottled(results);
    console.log(
      `storm: ${ok.length} ran, ${throttled.length} throttled, max overlap ${maxOverlap(ok)}`,
    );
    expect(ok.length + throttled.length).toBe(200);
    expect(ok.length).toBeGreaterThanOrEqual(10);
    expect(throttled.length).toBeGreaterThan(0);
    expect(maxOverlap(ok)).toBeLessThanOrEqual(10);

    // Timed-out calls release their slot too.
    const timeouts = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        clients[i % 2]!.send(
          new InvokeCommand({ FunctionName: name, Payload: '{"sleepMs":3000}' }),
        ),
      ),
    );
    for (const t of timeouts) expect(t.FunctionError).toBe('Unhandled');
    // Releases go out right after each answer (batched for a few ms): the count settles at 0.
    const key = concurrencyKeys().fnLeases(name);
    await expect.poll(() => redis.zcard(key), { timeout: 2000, interval: 50 }).toBe(0);
    for (const c of clients) c.destroy();
  });
});

describe('concurrency admission in memory (lamina dev with its private Redis)', () => {
  const name = uniqueName('storm');
  let lamina: LaminaProcess | undefined;

  beforeAll(async () => {
    // No REDIS_URL: lamina dev starts its own Redis and is the only gateway admitting.
    lamina = await startLamina({
      functionsDir: stormFunction(name, 3),
      env: { REDIS_URL: undefined },
    });
  });
  afterAll(async () => {
    await lamina?.stop();
  });

  it('never runs more than the reservation at once, throttles the rest, and frees timed-out slots', async () => {
    const client = lambdaClient(lamina!.url, { maxSockets: 100 });
    const results = await storm([client], name, 60);
    const { ok, throttled } = splitThrottled(results);
    expect(ok.length).toBeGreaterThanOrEqual(3);
    expect(throttled.length).toBeGreaterThan(0);
    expect(maxOverlap(ok)).toBeLessThanOrEqual(3);

    const timeouts = await Promise.all(
      Array.from({ length: 3 }, () =>
        client.send(new InvokeCommand({ FunctionName: name, Payload: '{"sleepMs":3000}' })),
      ),
    );
    for (const t of timeouts) expect(t.FunctionError).toBe('Unhandled');
    // Every slot came back: three calls at once run again.
    const again = await Promise.all(
      Array.from({ length: 3 }, () =>
        client.send(new InvokeCommand({ FunctionName: name, Payload: '{"sleepMs":50}' })),
      ),
    );
    for (const r of again) expect(r.FunctionError).toBeUndefined();
    client.destroy();
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  asyncKeys,
  newAsyncJob,
  RUN_RECORD_HEADER,
  RUN_RECORD_RUNNING,
  runRecordKey,
} from '@lamina/core';
import { RunRecords } from '@lamina/dispatcher';
import { eventually, type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// ADR 0048: while the gateway runs a dispatcher's attempt, the attempt's run-record key holds
// the running marker; a later pickup (a dispatcher that took the event over) waits for the
// outcome instead of running the event again, and takes it once the run ends.
describe('a running attempt in the gateway', () => {
  const redisUrl = testEnv.require('REDIS_URL');
  const prefix = uniqueName('marker');
  const keys = asyncKeys(prefix);
  const redis = new Redis(redisUrl);
  const dir = mkdtempSync(join(tmpdir(), 'lamina-marker-'));
  let lamina: LaminaProcess;

  beforeAll(async () => {
    const functions = join(dir, 'functions');
    mkdirSync(join(functions, 'slow'), { recursive: true });
    writeFileSync(
      join(functions, 'slow', 'index.js'),
      'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return { slept: e.ms }; };\n',
    );
    writeFileSync(
      join(functions, 'slow.yaml'),
      'apiVersion: lamina.dev/v1alpha1\nkind: Function\nmetadata: {name: slow}\n' +
        'spec: {runtime: nodejs22.x, handler: index.handler, memorySize: 128, timeout: 30, code: {path: ./slow}}\n',
    );
    lamina = await startLamina({
      functionsDir: functions,
      stateDir: join(dir, 'state'),
      env: { REDIS_URL: redisUrl, LAMINA_REDIS_PREFIX: prefix, LAMINA_DEV_DISPATCHER: 'false' },
    });
  }, 120_000);
  afterAll(async () => {
    await lamina.stop();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const invoke = (requestId: string, ms: number) =>
    fetch(`${lamina.url}/2015-03-31/functions/slow/invocations`, {
      method: 'POST',
      headers: { 'x-amzn-RequestId': requestId, [RUN_RECORD_HEADER]: '0.0;60000' },
      body: JSON.stringify({ ms }),
    });

  it('is marked running, and a later pickup waits for its outcome', async () => {
    const requestId = uniqueName('req');
    const key = runRecordKey(keys, 'slow', requestId, '0.0');
    const call = invoke(requestId, 3000);
    // The marker is there while the function sleeps; its TTL covers the timeout (30 s).
    await eventually(
      async () => ((await redis.get(key)) === RUN_RECORD_RUNNING ? true : undefined),
      {
        what: 'the running marker',
        timeoutMs: 60_000,
      },
    );
    expect(await redis.pttl(key)).toBeGreaterThan(30_000);
    const records = new RunRecords({ redis, keys, ttlMs: 60_000 });
    const job = newAsyncJob({ functionName: 'slow', requestId, payload: '{}', acceptedAt: 0 });
    const found = await records.find(job, 2);
    const res = await call;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"slept":3000}');
    expect(found).toEqual({ executedVersion: '$LATEST', payload: '{"slept":3000}' });
    // The record replaced the marker, with the record's TTL.
    expect(await redis.pttl(key)).toBeLessThanOrEqual(60_000);
  }, 120_000);

  it('leaves no marker for a call that did not ask for a record', async () => {
    const requestId = uniqueName('req');
    const res = await fetch(`${lamina.url}/2015-03-31/functions/slow/invocations`, {
      method: 'POST',
      headers: { 'x-amzn-RequestId': requestId },
      body: JSON.stringify({ ms: 1 }),
    });
    expect(res.status).toBe(200);
    expect(await redis.exists(runRecordKey(keys, 'slow', requestId, '0.0'))).toBe(0);
  }, 60_000);
});

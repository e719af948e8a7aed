import { randomUUID } from 'node:crypto';

import {
  DemandReporter,
  DemandTally,
  demandKeys,
  demandReportCommands,
  encodeWake,
  NO_DEMAND,
  type DemandTarget,
  type Wake,
} from '@lamina/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RedisDemandReader } from './demand-reader.js';
import { WakeListener } from './wake-listener.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379';

const clients: Redis[] = [];
const prefixes: string[] = [];

function client(): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(redis);
  return redis;
}

function keysOfTest() {
  const prefix = `optest-${randomUUID()}`;
  prefixes.push(prefix);
  return demandKeys(prefix);
}

const hello = (version: string): DemandTarget => ({
  namespace: 'ns1',
  functionName: 'hello',
  version,
});

async function report(
  redis: Redis,
  keys: ReturnType<typeof demandKeys>,
  id: string,
  entries: [DemandTarget, Partial<typeof NO_DEMAND>][],
  nowMs: number,
  ttlMs?: number,
): Promise<void> {
  const full = entries.map(([t, c]) => [t, { ...NO_DEMAND, ...c }] as const);
  const commands = demandReportCommands(keys, id, full, nowMs, ttlMs);
  await redis.multi(commands.map((c) => [...c])).exec();
}

beforeAll(async () => {
  await client().ping();
});

afterAll(async () => {
  const redis = clients[0];
  if (redis !== undefined) {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  }
  await Promise.all(clients.map((c) => c.quit()));
});

describe('RedisDemandReader', () => {
  it('sums every reporter per version, with the last-active time', async () => {
    const redis = client();
    const keys = keysOfTest();
    const now = Date.now();
    await report(
      redis,
      keys,
      'gw-a',
      [[hello('$LATEST'), { inFlight: 2, waiting: 1 }]],
      now - 3000,
    );
    await report(
      redis,
      keys,
      'gw-b',
      [
        [hello('$LATEST'), { inFlight: 1 }],
        [hello('2'), { waiting: 4 }],
      ],
      now,
    );
    await report(redis, keys, 'dispatcher-1', [[hello('2'), { asyncDepth: 7 }]], now - 1000);

    const snapshot = await new RedisDemandReader({ redis, keys, now: () => now }).read();
    expect([...snapshot.keys()].sort()).toEqual(['ns1/hello/$LATEST', 'ns1/hello/2']);
    expect(snapshot.get('ns1/hello/$LATEST')).toEqual({
      target: hello('$LATEST'),
      counts: { inFlight: 3, waiting: 1, asyncDepth: 0, kafkaLag: 0 },
      lastActiveMs: now,
    });
    expect(snapshot.get('ns1/hello/2')).toEqual({
      target: hello('2'),
      counts: { inFlight: 0, waiting: 4, asyncDepth: 7, kafkaLag: 0 },
      lastActiveMs: now,
    });
  });

  it('forgets an expired reporter but keeps the version’s last-active time', async () => {
    const redis = client();
    const keys = keysOfTest();
    const now = Date.now();
    await report(redis, keys, 'gw-gone', [[hello('1'), { inFlight: 5 }]], now - 2000, 50);
    await new Promise((r) => setTimeout(r, 120));
    const reader = new RedisDemandReader({ redis, keys, forgetReportersMs: 1000 });
    const snapshot = await reader.read();
    expect(snapshot.get('ns1/hello/1')).toEqual({
      target: hello('1'),
      counts: NO_DEMAND,
      lastActiveMs: now - 2000,
    });
    expect(await redis.zrange(keys.reporters, 0, '-1')).toEqual([]);
  });

  it('an idle report clears the reporter’s demand; garbage is skipped', async () => {
    const redis = client();
    const keys = keysOfTest();
    const now = Date.now();
    await report(redis, keys, 'gw-a', [[hello('1'), { inFlight: 5 }]], now - 1000);
    await report(redis, keys, 'gw-a', [[hello('1'), {}]], now);
    await redis.zadd(keys.reporters, now, 'odd');
    await redis.hset(keys.reporter('odd'), 'not-a-target', '1 1 1 1', 'ns1/x/1', 'bad');
    await redis.zadd(keys.active, now, 'also/not/a/target');
    const snapshot = await new RedisDemandReader({ redis, keys }).read();
    expect([...snapshot.entries()]).toEqual([
      ['ns1/hello/1', { target: hello('1'), counts: NO_DEMAND, lastActiveMs: now - 1000 }],
    ]);
  });
});

describe('DemandReporter → RedisDemandReader', () => {
  it('what a reporter tallies is what the reader sees, and leaves with a clean stop', async () => {
    const redis = client();
    const keys = keysOfTest();
    const tally = new DemandTally();
    const reporter = new DemandReporter({
      tally,
      keys,
      reporterId: 'gw-real',
      send: (cmds) => redis.multi(cmds.map((c) => [...c])).exec(),
      publish: (channel, message) => redis.publish(channel, message),
      intervalMs: 20,
    });
    const reader = new RedisDemandReader({ redis, keys });
    reporter.start();
    const release = tally.run(hello('4'));
    tally.wait(hello('4'));
    await expect
      .poll(async () => (await reader.read()).get('ns1/hello/4')?.counts, { timeout: 5000 })
      .toEqual({ inFlight: 1, waiting: 1, asyncDepth: 0, kafkaLag: 0 });
    release();
    await reporter.stop();
    expect((await reader.read()).get('ns1/hello/4')?.counts).toEqual(NO_DEMAND);
  });
});

describe('WakeListener', () => {
  it('hands each wake message to the autoscaler and stops idempotently', async () => {
    const keys = keysOfTest();
    const subscriber = client();
    const publisher = client();
    const got: Wake[] = [];
    const listener = new WakeListener({ subscriber, keys, onWake: (w) => got.push(w) });
    await listener.start();
    await publisher.publish(keys.wake, 'garbage');
    await publisher.publish(keys.wake, encodeWake({ target: hello('3'), waiting: 2 }));
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([{ target: hello('3'), waiting: 2 }]);
    await Promise.all([listener.stop(), listener.stop()]);
  });
});

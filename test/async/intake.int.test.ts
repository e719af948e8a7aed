import { type AsyncJobData, asyncKeys, intakeFields, newAsyncJob } from '@lamina/core';
import {
  type EventJob,
  EventNotDeliveredError,
  IntakeConsumer,
  QueueDepth,
} from '@lamina/dispatcher';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';

// The async intake stream (ADR 0043) against the real Redis: the dispatchers' consumer group
// runs every appended event once, acks and deletes it, hands retries and given-up events on,
// and takes over an entry whose consumer died holding it.
describe('async intake stream', () => {
  const url = testEnv.require('REDIS_URL');
  const redis = new Redis(url);
  const consumers: IntakeConsumer[] = [];
  const connections: Redis[] = [redis];

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.close(2000)));
    for (const c of connections) c.disconnect();
  });

  const setup = () => {
    const keys = asyncKeys(uniqueName('intake'));
    const append = async (jobs: AsyncJobData[]) => {
      const p = redis.pipeline();
      for (const j of jobs) p.xadd(keys.intake, '*', ...intakeFields(j));
      await p.exec();
    };
    const consumer = (
      process: (job: EventJob) => Promise<'done' | 'retry'>,
      retried: { data: AsyncJobData; at: number }[] = [],
      lockDurationMs = 30_000,
    ) => {
      const blocking = new Redis(url, { maxRetriesPerRequest: null });
      connections.push(blocking);
      const c = new IntakeConsumer({
        blocking,
        redis,
        keys,
        consumer: uniqueName('c'),
        processor: { process },
        retryAt: (data, at) => {
          retried.push({ data, at });
          return Promise.resolve();
        },
        logger: pino({ level: 'silent' }),
        concurrency: 8,
        lockDurationMs,
        stalledIntervalMs: 200,
        maxStalledCount: 3,
        blockMs: 200,
      });
      consumers.push(c);
      return c;
    };
    return { keys, append, consumer };
  };
  const event = (i: number, fn = 'fn'): AsyncJobData =>
    newAsyncJob({
      functionName: fn,
      requestId: `r-${i}`,
      payload: `{"i":${i}}`,
      acceptedAt: Date.now(),
    });

  it('runs each appended event once, then acks and deletes it', async () => {
    const { keys, append, consumer } = setup();
    await append(Array.from({ length: 50 }, (_, i) => event(i)));
    const seen: string[] = [];
    const starts: number[] = [];
    const c = consumer((job) => {
      seen.push(job.data.requestId);
      starts.push(job.startedCount);
      return Promise.resolve('done');
    });
    await c.start();
    await append(Array.from({ length: 50 }, (_, i) => event(50 + i)));
    await eventually(() => (seen.length >= 100 ? true : undefined), {
      what: '100 events run',
      timeoutMs: 20_000,
    });
    await eventually(async () => ((await redis.xlen(keys.intake)) === 0 ? true : undefined), {
      what: 'an empty stream',
      timeoutMs: 10_000,
    });
    expect(new Set(seen).size).toBe(100);
    expect(new Set(starts)).toEqual(new Set([1]));
    expect(await redis.xpending(keys.intake, keys.intakeGroup)).toEqual([0, null, null, null]);
    await c.close(2000);
  });

  it('hands a retry on, keeps what no target took, and counts what is ready', async () => {
    const { keys, append, consumer } = setup();
    await append([event(1), event(2), event(3, 'other')]);
    const depth = new QueueDepth(redis, keys);
    try {
      expect((await depth.ready(10)).map((e) => e.functionName)).toEqual(['fn', 'fn', 'other']);
      expect(await depth.perFunction()).toEqual(
        new Map([
          ['fn', 2],
          ['other', 1],
        ]),
      );
      const retried: { data: AsyncJobData; at: number }[] = [];
      const c = consumer(async (job) => {
        if (job.data.requestId === 'r-1') {
          await job.retryAt({ ...job.data, functionErrors: 1 }, 42);
          return 'retry';
        }
        if (job.data.requestId === 'r-2') throw new EventNotDeliveredError('nobody took it');
        return 'done';
      }, retried);
      await c.start();
      await eventually(async () => ((await redis.xlen(keys.intake)) === 0 ? true : undefined), {
        what: 'an empty stream',
        timeoutMs: 10_000,
      });
      expect(retried).toEqual([
        {
          // The stream's pickup goes along for the record's approximateInvokeCount.
          data: {
            ...event(1),
            acceptedAt: expect.any(Number) as number,
            functionErrors: 1,
            earlierPickups: 1,
          },
          at: 42,
        },
      ]);
      const kept = (await redis.lrange(keys.undelivered, 0, -1)).map(
        (t) => JSON.parse(t) as { reason: string },
      );
      expect(kept.map((k) => k.reason)).toEqual(['nobody took it']);
      expect(await depth.ready(10)).toEqual([]);
      await c.close(2000);
    } finally {
      await depth.close();
      await redis.del(keys.undelivered);
    }
  });

  it('takes over an entry whose consumer died holding it, as a second pickup', async () => {
    const { keys, append, consumer } = setup();
    await redis.xgroup('CREATE', keys.intake, keys.intakeGroup, '0', 'MKSTREAM');
    await append([event(7)]);
    // A consumer that read the entry and died: it never acks nor renews.
    await redis.xreadgroup(
      'GROUP',
      keys.intakeGroup,
      'dead',
      'COUNT',
      1,
      'STREAMS',
      keys.intake,
      '>',
    );
    const starts: number[] = [];
    const c = consumer(
      (job) => {
        starts.push(job.startedCount);
        return Promise.resolve('done');
      },
      [],
      500,
    );
    await c.start();
    await eventually(() => (starts.length > 0 ? true : undefined), {
      what: 'the stalled entry run',
      timeoutMs: 10_000,
    });
    expect(starts).toEqual([2]);
    await eventually(async () => ((await redis.xlen(keys.intake)) === 0 ? true : undefined), {
      what: 'an empty stream',
      timeoutMs: 10_000,
    });
    await c.close(2000);
  });

  it('keeps a running entry locked past the lock duration (renewals)', async () => {
    const { keys, append, consumer } = setup();
    await append([event(9)]);
    const starts: number[] = [];
    let finish: () => void = () => undefined;
    const a = consumer(
      (job) => {
        starts.push(job.startedCount);
        return new Promise((resolve) => {
          finish = () => {
            resolve('done');
          };
        });
      },
      [],
      600,
    );
    await a.start();
    await eventually(() => (starts.length > 0 ? true : undefined), {
      what: 'the event started',
      timeoutMs: 10_000,
    });
    const b = consumer(
      (job) => {
        starts.push(job.startedCount);
        return Promise.resolve('done');
      },
      [],
      600,
    );
    await b.start();
    await new Promise((r) => setTimeout(r, 2000));
    expect(starts).toEqual([1]);
    finish();
    await eventually(async () => ((await redis.xlen(keys.intake)) === 0 ? true : undefined), {
      what: 'an empty stream',
      timeoutMs: 10_000,
    });
    await Promise.all([a.close(2000), b.close(2000)]);
  });

  it('starts its group again when the stream was deleted under it', async () => {
    const { keys, append, consumer } = setup();
    const seen: string[] = [];
    const c = consumer((job) => {
      seen.push(job.data.requestId);
      return Promise.resolve('done');
    });
    await c.start();
    await redis.del(keys.intake);
    await append([event(11)]);
    await eventually(() => (seen.length > 0 ? true : undefined), {
      what: 'the event after the stream came back',
      timeoutMs: 15_000,
    });
    expect(seen).toEqual(['r-11']);
    await c.close(2000);
  });
});

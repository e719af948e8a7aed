import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '@lamina/testkit';

// Proves both Redis servers from test/env are real: a BullMQ job goes through a queue, a worker
// and back (BullMQ's Lua scripts run on the server), and the durable instance really persists
// every write (AOF, fsync on each command) for the data-loss tests of later issues.

interface Payload {
  a: number;
  b: number;
}

describe('redis (BullMQ against the throwaway instance)', () => {
  const url = testEnv.require('REDIS_URL');
  const queueName = uniqueName('smoke-queue');
  // BullMQ needs maxRetriesPerRequest: null on connections that block (workers, events).
  const connection = { url, maxRetriesPerRequest: null };
  const queue = new Queue<Payload, number>(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  const worker = new Worker<Payload, number>(
    queueName,
    (job) => Promise.resolve(job.data.a + job.data.b),
    { connection },
  );

  afterAll(async () => {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('round-trips a job through a queue and a worker', async () => {
    await events.waitUntilReady();
    const job = await queue.add('add', { a: 2, b: 40 });
    const result = await job.waitUntilFinished(events, 30_000);
    expect(result).toBe(42);
    const done = await queue.getJob(job.id ?? '');
    expect(await done?.getState()).toBe('completed');
    expect(done?.returnvalue).toBe(42);
  });
});

describe('redis (durable instance)', () => {
  const redis = new Redis(testEnv.require('REDIS_DURABLE_URL'));

  afterAll(async () => {
    await redis.quit();
  });

  it('appends every write to the AOF with fsync always, and never evicts', async () => {
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual([
      'maxmemory-policy',
      'noeviction',
    ]);
    const key = uniqueName('smoke-key');
    await redis.set(key, 'v1', 'EX', 60);
    expect(await redis.get(key)).toBe('v1');
  });
});

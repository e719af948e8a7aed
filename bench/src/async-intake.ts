import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  ASYNC_JOB_OPTIONS,
  type AsyncJobData,
  asyncJobId,
  asyncKeys,
  CallBatcher,
  intakeFields,
  newAsyncJob,
} from '@lamina/core';
import { IntakeConsumer } from '@lamina/dispatcher';
import { testEnv, uniqueName } from '@lamina/testkit';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { redisUsec, usecOf } from './redis-usage.js';

/**
 * bench/async-intake: the async queue's own cost per event, without HTTP or functions (ADR
 * 0043). Same run, interleaved rounds on the shared Redis (own key prefix):
 * - intake: 32 concurrent callers each adding its next event once the last one was answered,
 *   through BullMQ's per-event `Queue.add` (the path before ADR 0043, the baseline) and through
 *   the intake stream (XADDs, one pipeline per batch, core's CallBatcher as the gateway's store);
 * - drain: the events just added, taken and finished at concurrency 32 with a no-op processor,
 *   by a BullMQ Worker (baseline) and by the dispatcher's IntakeConsumer.
 * Records events/s, the callers' p50/p99, this process's CPU per event, Redis's own CPU per event
 * (INFO commandstats of the commands each path uses; the shared Redis also serves other
 * clients, so the Lua figure may include theirs) and the load average. Writes
 * bench/results/async-intake.json.
 *
 *   REDIS_URL=… node bench/dist/async-intake.js [--quick]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const EVENTS = quick ? 2000 : 5000;
const ROUNDS = quick ? 2 : 3;
const CONCURRENCY = 32;

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

const LUA = ['evalsha', 'eval', 'evalsha_ro', 'fcall'];
const STREAM = ['xadd', 'xreadgroup', 'xack', 'xdel', 'xclaim', 'xpending', 'xgroup|create'];

interface Phase {
  readonly path: 'bullmq' | 'stream';
  readonly round: number;
  readonly eventsPerSecond: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly cpuUsPerEvent: number;
  readonly redisUsPerEvent: number;
  readonly loadAverage: number[];
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

/** `CONCURRENCY` closed-loop callers, `EVENTS` calls in all. */
async function closedLoop(call: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
        const i = next++;
        const s = performance.now();
        await call(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { seconds, p50Ms: pct(latencies, 50), p99Ms: pct(latencies, 99) };
}

async function measure(
  path: Phase['path'],
  round: number,
  redis: Redis,
  counted: string[],
  work: () => Promise<{ seconds: number; p50Ms?: number; p99Ms?: number }>,
): Promise<Phase> {
  const loadAverage = loadavg();
  const before = await redisUsec(redis);
  const cpu0 = process.cpuUsage();
  const r = await work();
  const cpu = process.cpuUsage(cpu0);
  const after = await redisUsec(redis);
  return {
    path,
    round,
    eventsPerSecond: EVENTS / r.seconds,
    ...(r.p50Ms === undefined ? {} : { p50Ms: r.p50Ms }),
    ...(r.p99Ms === undefined ? {} : { p99Ms: r.p99Ms }),
    cpuUsPerEvent: (cpu.user + cpu.system) / EVENTS,
    redisUsPerEvent: usecOf(before, after, counted) / EVENTS,
    loadAverage,
  };
}

async function main(): Promise<void> {
  const url = testEnv.require('REDIS_URL');
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  const blocking = new Redis(url, { maxRetriesPerRequest: null });
  const keys = asyncKeys(uniqueName('bench-intake'));
  const queue = new Queue<AsyncJobData>(keys.queueName, {
    connection: new Redis(url, { maxRetriesPerRequest: 2 }),
    prefix: keys.bullPrefix,
  });
  const job = (round: number, i: number): AsyncJobData =>
    newAsyncJob({
      functionName: 'noop',
      requestId: `r${round}-${i}`,
      payload: JSON.stringify({ hello: 'world', n: i }),
      acceptedAt: Date.now(),
    });
  const adds = new CallBatcher<AsyncJobData, undefined>({
    maxInFlight: 2,
    maxBatch: 256,
    send: async (jobs) => {
      const p = redis.pipeline();
      for (const j of jobs) p.xadd(keys.intake, '*', ...intakeFields(j));
      await p.exec();
      return jobs.map(() => undefined);
    },
  });
  const logger = pino({ level: 'silent' });
  const phases: Phase[] = [];
  const show = (what: string, p: Phase): void => {
    log(
      `  ${what} ${p.path}: ${p.eventsPerSecond.toFixed(0)} ev/s` +
        (p.p99Ms === undefined ? '' : ` p50 ${p.p50Ms?.toFixed(2)} p99 ${p.p99Ms.toFixed(2)} ms`) +
        `, ${p.cpuUsPerEvent.toFixed(0)} µs CPU/ev here, Redis ${p.redisUsPerEvent.toFixed(1)} µs/ev (load ${p.loadAverage[0]?.toFixed(1)})`,
    );
  };
  const intake: Phase[] = [];
  const drain: Phase[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}: ${EVENTS} events, ${CONCURRENCY} callers`);
      const order: Phase['path'][] = round % 2 === 1 ? ['bullmq', 'stream'] : ['stream', 'bullmq'];
      for (const path of order) {
        const p =
          path === 'bullmq'
            ? await measure(path, round, redis, LUA, () =>
                closedLoop((i) => {
                  const j = job(round, i);
                  return queue.add(j.functionName, j, {
                    jobId: asyncJobId(j.functionName, j.requestId),
                    ...ASYNC_JOB_OPTIONS,
                  });
                }),
              )
            : await measure(path, round, redis, STREAM, () =>
                closedLoop((i) => adds.call(job(round, i))),
              );
        intake.push(p);
        show('intake', p);
      }
      for (const path of order) {
        const p = await measure(path, round, redis, path === 'bullmq' ? LUA : STREAM, async () => {
          const t0 = performance.now();
          let done = 0;
          let finished: () => void = () => undefined;
          const all = new Promise<void>((resolve) => {
            finished = resolve;
          });
          const count = (): void => {
            if (++done === EVENTS) finished();
          };
          if (path === 'bullmq') {
            const connection = new Redis(url, { maxRetriesPerRequest: null });
            const worker = new Worker<AsyncJobData>(
              keys.queueName,
              () => {
                count();
                return Promise.resolve();
              },
              {
                connection,
                prefix: keys.bullPrefix,
                concurrency: CONCURRENCY,
              },
            );
            await all;
            const seconds = (performance.now() - t0) / 1000;
            await worker.close();
            connection.disconnect();
            return { seconds };
          }
          const consumer = new IntakeConsumer({
            blocking,
            redis,
            keys,
            consumer: uniqueName('bench'),
            processor: {
              process: () => {
                count();
                return Promise.resolve('done' as const);
              },
            },
            retryAt: () => Promise.resolve(),
            logger,
            concurrency: CONCURRENCY,
            lockDurationMs: 30_000,
            stalledIntervalMs: 15_000,
            maxStalledCount: 1,
          });
          await consumer.start();
          await all;
          const seconds = (performance.now() - t0) / 1000;
          await consumer.close(5000);
          return { seconds };
        });
        drain.push(p);
        show('drain', p);
      }
    }
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await redis.del(keys.intake);
    redis.disconnect();
    blocking.disconnect();
  }
  phases.push(...intake, ...drain);
  const median = (path: Phase['path'], list: Phase[], f: (p: Phase) => number): number => {
    const v = list
      .filter((p) => p.path === path)
      .map(f)
      .sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)] ?? Number.NaN;
  };
  const summary = Object.fromEntries(
    (['bullmq', 'stream'] as const).map((path) => [
      path,
      {
        intakeEventsPerSecond: median(path, intake, (p) => p.eventsPerSecond),
        intakeP99Ms: median(path, intake, (p) => p.p99Ms ?? Number.NaN),
        intakeRedisUsPerEvent: median(path, intake, (p) => p.redisUsPerEvent),
        drainEventsPerSecond: median(path, drain, (p) => p.eventsPerSecond),
        drainRedisUsPerEvent: median(path, drain, (p) => p.redisUsPerEvent),
        drainCpuUsPerEvent: median(path, drain, (p) => p.cpuUsPerEvent),
      },
    ]),
  );
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    settings: { events: EVENTS, rounds: ROUNDS, concurrency: CONCURRENCY },
    baseline: 'bullmq: per-event Queue.add and a BullMQ Worker (the path before ADR 0043)',
    medians: summary,
    phases,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const out = join(root, 'bench/results/async-intake.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`medians: ${JSON.stringify(summary)}`);
  log(`wrote ${out}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { asyncKeys } from '@lamina/core';
import {
  eventually,
  privateRedisOf,
  type ServiceName,
  type ServiceProcess,
  spawnWatched,
  startLamina,
  startService,
  testEnv,
  uniqueName,
} from '@lamina/testkit';
import { Redis } from 'ioredis';

import { cpuOfPid, cpuOfTree, selfCpu, usageOfTree, writeSyscallsOfPid } from './cpu-usage.js';
import { type LoadOptions, type LoadResult, runLoad } from './load.js';
import { redisCalls, redisUsec, usecOf } from './redis-usage.js';

/**
 * bench/async: asynchronous invocation in local mode (lamina dev, dispatcher in-process) with
 * the no-op function. Measures events accepted per second at the gateway (202s, concurrency
 * 32) and end-to-end completions per second (accepted → handler ran → job finished, from the
 * lamina_async_events_completed_total metric). The same-run baseline is the HTTP floor: the
 * plain Node.js server of bench/invoke (echo-server.ts) under the same load generator, so the
 * accepted rate reads against what one process on this machine answers at all. The load
 * average is recorded at the start of each phase.
 *
 * A second, split run (ADR 0043) separates the two halves as a cluster runs them: `lamina dev`
 * with its dispatcher off takes the events (the gateway's intake alone: HTTP and the intake
 * stream), then a standalone dispatcher (concurrency 32) drains the backlog through the same
 * gateway; its completions per second are timed from its start to an empty intake stream.
 * The split intake runs twice in the same gateway: through express (the URL with a trailing
 * slash, which the invoke fast path leaves to express: the path before ADR 0048, the same-run
 * baseline) and through the fast path (the canonical URL).
 *
 * The fast-path intake takes INTAKE_EVENTS (20,000, also with --quick), long enough to be a rate
 * and not a burst. With `--before <checkout>` (a built checkout, e.g. the main branch) the split
 * run then drains interleaved rounds (before, this tree, before, this tree) of DRAIN_EVENTS (20,000)
 * each through the same gateway: the other checkout's standalone dispatcher against this one's,
 * each on a backlog of the same size, CPU per completion by process (ADR 0053).
 *
 * CPU per event (user + system from /proc; counts, not wall time, so less inflated by a loaded
 * machine): the gateway process (`lamina dev`), its environments, the dispatcher, the load
 * generator (this process) and Redis (INFO commandstats, every command: the shared test Redis
 * also serves other clients, so it is an upper bound). LAMINA_BENCH_CPU_PROF=<dir> writes V8
 * CPU profiles of the all-in-one runs' `lamina dev` and the split run's gateway and dispatcher there (`node --cpu-prof`, on exit).
 * Writes bench/results/async.json.
 *
 * The all-in-one phase then runs interleaved rounds (ADR 0055): this tree's `lamina dev` with its
 * dispatcher's attempts over HTTP (LAMINA_DEV_DISPATCHER=http, the path before) and in process
 * (the default), and with `--before` the other checkout's `lamina dev`; `--all-in-one` runs only
 * those rounds and writes bench/results/async-all-in-one.json.
 *
 * The all-in-one runs start lamina dev as the quick start does, with its private Redis (admission in
 * memory); `--shared-redis` gives it REDIS_URL instead (admission in Redis; the runs before
 * 2026-12-07 20:10 were measured so).
 *
 *   REDIS_URL=redis://… npm run bench:async [-- --quick] [--before /work/main] [--all-in-one] [--shared-redis]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const EVENTS = quick ? 3000 : 10_000;
const INTAKE_EVENTS = 20_000;
const DRAIN_EVENTS = 20_000;
const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
const CONCURRENCY = 32;
const ALL_IN_ONE_ROUNDS = 2;
const PAYLOAD = JSON.stringify({ hello: 'world', n: 42 });

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const CPU_PROFILE_DIR = process.env['LAMINA_BENCH_CPU_PROF'];
/**
 * The all-in-one runs' lamina dev runs as the quick start does, with its private Redis (so it is
 * the sole admitter: admission in memory, ADR 0049); `--shared-redis` gives it the test
 * environment's REDIS_URL instead (admission in Redis, as gateways sharing a Redis do).
 */
const SHARED_REDIS = process.argv.includes('--shared-redis');
/** The all-in-one runs' lamina dev inherits this (default 32): recorded with their results. */
const DEV_DISPATCHER_CONCURRENCY = Number(process.env['LAMINA_DISPATCHER_CONCURRENCY'] ?? 32);
const profiled =
  CPU_PROFILE_DIR === undefined
    ? {}
    : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROFILE_DIR}` };

/** Σ lamina_async_events_completed_total over every label set. */
async function completed(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^lamina_async_events_completed_total\{[^}]*\} (\S+)$/gm)) {
    sum += Number(m[1]);
  }
  return sum;
}

/** When the completions reached `target` (performance.now()). */
async function waitCompleted(base: string, target: number, timeoutMs: number): Promise<number> {
  await eventually(
    async () => {
      const n = await completed(base);
      if (n < target) throw new Error(`only ${n} of ${target} completed`);
      return true;
    },
    { what: `${target} completions`, timeoutMs, intervalMs: 20 },
  );
  return performance.now();
}

/** `requests` Event invokes sent to `url`, CONCURRENCY at once (each answered 202). */
function eventLoad(url: string, requests: number): LoadOptions {
  return {
    url,
    body: PAYLOAD,
    concurrency: CONCURRENCY,
    requests,
    headers: { 'x-amz-invocation-type': 'Event' },
    expectStatus: 202,
  };
}

/** CPU µs per event of one phase, by whom (see the header). */
interface CpuPerEvent {
  readonly server: number;
  readonly children?: number;
  readonly loadGenerator?: number;
  readonly redis?: number;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

const perEvent = (seconds: number, events: number): number =>
  Math.round((seconds * 1e6) / Math.max(1, events));

/** A load phase against the process `pid`, with the CPU it cost per request. */
async function measured(
  pid: number,
  o: LoadOptions,
  redis?: Redis,
): Promise<LoadResult & { cpuUsPerEvent: CpuPerEvent }> {
  const before = { root: cpuOfPid(pid), tree: cpuOfTree(pid), self: selfCpu() };
  const redisBefore = redis === undefined ? undefined : await redisUsec(redis);
  const r = await runLoad(o);
  const root = cpuOfPid(pid) - before.root;
  const children = cpuOfTree(pid) - before.tree - root;
  const cpu: CpuPerEvent = {
    server: perEvent(root, r.requests),
    children: perEvent(children, r.requests),
    loadGenerator: perEvent(selfCpu() - before.self, r.requests),
    ...(redis === undefined || redisBefore === undefined
      ? {}
      : { redis: Math.round(usecOf(redisBefore, await redisUsec(redis)) / r.requests) }),
  };
  return { ...r, cpuUsPerEvent: cpu };
}

/** The plain Node.js server at the same concurrency and request count. */
async function baseline(): Promise<LoadResult & { cpuUsPerEvent: CpuPerEvent }> {
  const base = spawnWatched([join(root, 'bench/dist/echo-server.js'), '0'], {});
  try {
    const listening = await base.ready(/listening (\d+)/, 'echo server', 60_000);
    const url = `http://127.0.0.1:${listening[1] ?? ''}/`;
    await runLoad({ url, body: PAYLOAD, concurrency: CONCURRENCY, requests: 1000 });
    return await measured(base.pid, {
      url,
      body: PAYLOAD,
      concurrency: CONCURRENCY,
      requests: EVENTS,
    });
  } finally {
    await base.kill('SIGTERM', 10_000);
  }
}

/** Waits until the intake stream of `prefix` is empty; resolves with performance.now(). */
async function streamEmpty(redis: Redis, key: string, timeoutMs: number): Promise<number> {
  await eventually(
    async () => {
      const n = await redis.xlen(key);
      if (n > 0) throw new Error(`${n} events left in the intake stream`);
      return true;
    },
    { what: 'an empty intake stream', timeoutMs, intervalMs: 20 },
  );
  return performance.now();
}

type Measured = LoadResult & { cpuUsPerEvent: CpuPerEvent };

/** Redis commands per event between two INFO commandstats, of every client (an upper bound). */
function callsPerEvent(
  before: Map<string, number>,
  after: Map<string, number>,
  events: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of after) {
    const per = (n - (before.get(name) ?? 0)) / events;
    if (per >= 0.01) out[name] = round2(per);
  }
  return out;
}

/** One drain of a backlog by a standalone dispatcher: completions/s and CPU per completion. */
interface Drain {
  readonly events: number;
  readonly seconds: number;
  readonly completionsPerSecond: number;
  readonly cpuUsPerEvent: {
    dispatcher: number;
    gateway: number;
    environments: number;
    redis: number;
  };
  readonly redisCallsPerEvent: Record<string, number>;
  /** The dispatcher's write-type syscalls and voluntary context switches per completion. */
  readonly dispatcherPerEvent: { writeSyscalls: number; wakeups: number };
  /** The dispatcher's CPU until it was running (not in `cpuUsPerEvent`). */
  readonly dispatcherStartCpuMs: number;
  readonly loadAverage: number[];
}

type StartService = (name: ServiceName, env: Record<string, string>) => Promise<ServiceProcess>;

/** `startService` of a built checkout (its own services/dispatcher/dist). */
async function serviceStarter(checkout: string): Promise<StartService> {
  const testkit = pathToFileURL(join(checkout, 'packages/testkit/dist/index.js')).href;
  return ((await import(testkit)) as { startService: StartService }).startService;
}

/**
 * A standalone dispatcher (concurrency 32) started by `start` drains the intake stream of
 * `prefix` through the gateway `lamina`: timed from its start to an empty stream.
 */
async function drain(
  start: StartService,
  lamina: { url: string; pid: number },
  redis: Redis,
  prefix: string,
  events: number,
): Promise<Drain> {
  const loadAverage = loadavg();
  const key = asyncKeys(prefix).intake;
  const gatewayBefore = { root: cpuOfPid(lamina.pid), tree: cpuOfTree(lamina.pid) };
  const redisBefore = await redisUsec(redis);
  const callsBefore = await redisCalls(redis);
  const dispatcher = await start('dispatcher', {
    REDIS_URL: testEnv.require('REDIS_URL'),
    LAMINA_REDIS_PREFIX: prefix,
    LAMINA_GATEWAY_URL: lamina.url,
    LAMINA_DISPATCHER_CONCURRENCY: String(CONCURRENCY),
    LAMINA_SCHEDULER_ENABLED: 'false',
    ...profiled,
  });
  try {
    const t0 = performance.now();
    // Its start (loading its modules, connecting) is not a completion's cost: counted apart.
    const startCpu = cpuOfTree(dispatcher.pid);
    // Counts, less bent by a loaded machine than CPU time: its write syscalls and wake-ups.
    const wakeups = () => usageOfTree(dispatcher.pid).reduce((n, u) => n + u.wakeups, 0);
    const startWrites = writeSyscallsOfPid(dispatcher.pid);
    const startWakeups = wakeups();
    const seconds = ((await streamEmpty(redis, key, 600_000)) - t0) / 1000;
    const gatewayRoot = cpuOfPid(lamina.pid) - gatewayBefore.root;
    const dispatcherPerEvent = {
      writeSyscalls: round2((writeSyscallsOfPid(dispatcher.pid) - startWrites) / events),
      wakeups: round2((wakeups() - startWakeups) / events),
    };
    const cpuUsPerEvent = {
      dispatcher: perEvent(cpuOfTree(dispatcher.pid) - startCpu, events),
      gateway: perEvent(gatewayRoot, events),
      environments: perEvent(cpuOfTree(lamina.pid) - gatewayBefore.tree - gatewayRoot, events),
      redis: Math.round(usecOf(redisBefore, await redisUsec(redis)) / events),
    };
    const redisCallsPerEvent = callsPerEvent(callsBefore, await redisCalls(redis), events);
    log(
      `  a standalone dispatcher drained ${events} in ${seconds.toFixed(1)} s ` +
        `(${(events / seconds).toFixed(0)}/s, load ${loadAverage[0]?.toFixed(1) ?? '?'}); CPU per event: ` +
        `dispatcher ${cpuUsPerEvent.dispatcher} µs (its start apart: ${Math.round(startCpu * 1000)} ms), gateway ${cpuUsPerEvent.gateway} µs, ` +
        `environments ${cpuUsPerEvent.environments} µs, Redis ${cpuUsPerEvent.redis} µs; ` +
        `dispatcher write syscalls ${dispatcherPerEvent.writeSyscalls} and wake-ups ${dispatcherPerEvent.wakeups} per event; ` +
        `Redis calls per event ${JSON.stringify(redisCallsPerEvent)}`,
    );
    return {
      events,
      seconds,
      completionsPerSecond: events / seconds,
      cpuUsPerEvent,
      redisCallsPerEvent,
      dispatcherPerEvent,
      dispatcherStartCpuMs: Math.round(startCpu * 1000),
      loadAverage,
    };
  } finally {
    await dispatcher.kill('SIGTERM');
  }
}

/** The split run: intake alone at the gateway, then standalone dispatchers' drains. */
async function split(): Promise<{
  accepted: Measured;
  acceptedExpress: Measured;
  drain: Drain;
  rounds?: { checkout: string; drains: Drain[] }[];
  loadAverage: number[];
}> {
  const loadAverage = loadavg();
  const redisUrl = testEnv.require('REDIS_URL');
  const prefix = uniqueName('bench-split');
  const redis = new Redis(redisUrl);
  const lamina = await startLamina({
    functionsDir: join(root, 'bench/functions'),
    env: {
      REDIS_URL: redisUrl,
      LAMINA_REDIS_PREFIX: prefix,
      LAMINA_DEV_DISPATCHER: 'false',
      ...profiled,
    },
  });
  const key = asyncKeys(prefix).intake;
  try {
    const url = `${lamina.url}/2015-03-31/functions/noop/invocations`;
    log('split: warm-up, 300 events into the gateway alone');
    await runLoad(eventLoad(url, 300));
    const intake = async (entry: string, to: string, events: number): Promise<Measured> => {
      log(`split: ${events} events into the gateway alone (no dispatcher), through ${entry}`);
      const queuedBefore = await redis.xlen(key);
      const r = await measured(lamina.pid, eventLoad(to, events), redis);
      // Every request was an event taken.
      const queued = (await redis.xlen(key)) - queuedBefore;
      if (queued !== events) throw new Error(`${entry}: ${queued} of ${events} events queued`);
      log(
        `  accepted ${r.rps.toFixed(0)} events/s (p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms); ` +
          `CPU per event: gateway ${r.cpuUsPerEvent.server} µs, Redis ${r.cpuUsPerEvent.redis ?? 0} µs, load generator ${r.cpuUsPerEvent.loadGenerator ?? 0} µs`,
      );
      return r;
    };
    // express' entry: the fast path leaves a trailing slash to express (same route).
    const acceptedExpress = await intake('express', `${url}/`, EVENTS);
    const accepted = await intake('the invoke fast path', url, INTAKE_EVENTS);
    const here: StartService = startService;
    const first = await drain(here, lamina, redis, prefix, EVENTS + INTAKE_EVENTS + 300);
    if (before === undefined) return { accepted, acceptedExpress, drain: first, loadAverage };
    // Interleaved: the other checkout's dispatcher, then this one's, twice, on equal backlogs.
    const checkouts = [resolve(before), root];
    const starters = [await serviceStarter(checkouts[0] ?? ''), here];
    const drains: Drain[][] = [[], []];
    for (let round = 0; round < 2; round++) {
      for (const i of [0, 1]) {
        log(`split round ${round + 1}: ${DRAIN_EVENTS} events, drained by ${checkouts[i] ?? ''}`);
        await runLoad(eventLoad(url, DRAIN_EVENTS));
        const start = starters[i];
        if (start !== undefined) {
          drains[i]?.push(await drain(start, lamina, redis, prefix, DRAIN_EVENTS));
        }
      }
    }
    return {
      accepted,
      acceptedExpress,
      drain: first,
      rounds: checkouts.map((checkout, i) => ({ checkout, drains: drains[i] ?? [] })),
      loadAverage,
    };
  } finally {
    await lamina.stop();
    redis.disconnect();
  }
}

type StartLamina = typeof startLamina;

/** One all-in-one run: what `lamina dev` (dispatcher in process) accepts and completes. */
interface AllInOne {
  readonly accepted: Measured;
  readonly seconds: number;
  readonly completionsPerSecond: number;
  /**
   * gateway: intake, the dispatcher in the same process and its invokes; environments apart;
   * redis: lamina dev's private redis-server (a child, not an environment).
   */
  readonly cpuUsPerEvent: { gateway: number; environments: number; redis?: number };
  /** Redis commands per event (intake, dispatch and invoke; a shared Redis: an upper bound). */
  readonly redisCallsPerEvent: Record<string, number>;
  readonly loadAverage: number[];
}

/**
 * `lamina dev` started by `start` (this tree's or another checkout's testkit), its dispatcher
 * as LAMINA_DEV_DISPATCHER says (`true`: attempts in process, ADR 0055; `http`: over HTTP to its
 * own port), takes EVENTS events at concurrency 32 while it runs them: timed from the first
 * request to an empty intake stream.
 */
async function allInOne(start: StartLamina, dispatcher: 'true' | 'http'): Promise<AllInOne> {
  const loadAverage = loadavg();
  const prefix = uniqueName('bench');
  const lamina = await start({
    functionsDir: join(root, 'bench/functions'),
    env: {
      REDIS_URL: SHARED_REDIS ? testEnv.require('REDIS_URL') : undefined,
      LAMINA_REDIS_PREFIX: prefix,
      LAMINA_DEV_DISPATCHER: dispatcher,
      ...profiled,
    },
  });
  const own = SHARED_REDIS ? undefined : privateRedisOf(lamina.stateDir);
  const redis = new Redis(own?.url ?? testEnv.require('REDIS_URL'));
  const base = lamina.url;
  const url = `${base}/2015-03-31/functions/noop/invocations`;
  try {
    log('warm-up: 300 events');
    await runLoad(eventLoad(url, 300));
    await waitCompleted(base, 300, 60_000);
    log(`${EVENTS} events at concurrency ${CONCURRENCY} (LAMINA_DEV_DISPATCHER=${dispatcher})`);
    const callsBefore = await redisCalls(redis);
    const t0 = performance.now();
    const redisCpu = (): number => (own === undefined ? 0 : cpuOfPid(own.pid));
    const before = { root: cpuOfPid(lamina.pid), tree: cpuOfTree(lamina.pid), redis: redisCpu() };
    const accepted = await measured(lamina.pid, eventLoad(url, EVENTS));
    // The end: the intake stream empty (every event run and acked), read from Redis. Polling
    // the gateway's /metrics every 20 ms, as before, cost it ~1.75 ms of CPU per scrape
    // (~9 % of a core) and inflated its CPU per event (ADR 0053); one scrape then checks.
    const done = await streamEmpty(redis, asyncKeys(prefix).intake, 300_000);
    await waitCompleted(base, 300 + EVENTS, 60_000);
    const seconds = (done - t0) / 1000;
    const rootCpu = cpuOfPid(lamina.pid) - before.root;
    const ownRedisCpu = redisCpu() - before.redis;
    const cpuUsPerEvent = {
      gateway: perEvent(rootCpu, EVENTS),
      environments: perEvent(cpuOfTree(lamina.pid) - before.tree - rootCpu - ownRedisCpu, EVENTS),
      ...(own === undefined ? {} : { redis: perEvent(ownRedisCpu, EVENTS) }),
    };
    const redisCallsPerEvent = callsPerEvent(callsBefore, await redisCalls(redis), EVENTS);
    log(
      `  end to end ${(EVENTS / seconds).toFixed(0)} completions/s (load ${loadAverage[0]?.toFixed(1) ?? '?'}); ` +
        `CPU per event: lamina dev ${cpuUsPerEvent.gateway} µs, environments ${cpuUsPerEvent.environments} µs, ` +
        `its Redis ${cpuUsPerEvent.redis ?? '(shared)'} µs; ` +
        `Redis calls per event ${JSON.stringify(redisCallsPerEvent)}`,
    );
    return {
      accepted,
      seconds,
      completionsPerSecond: EVENTS / seconds,
      cpuUsPerEvent,
      redisCallsPerEvent,
      loadAverage,
    };
  } finally {
    await lamina.stop();
    redis.disconnect();
  }
}

/** `startLamina` of a built checkout (its own cli/dist). */
async function laminaStarter(checkout: string): Promise<StartLamina> {
  const testkit = pathToFileURL(join(checkout, 'packages/testkit/dist/index.js')).href;
  return ((await import(testkit)) as { startLamina: StartLamina }).startLamina;
}

/**
 * Interleaved all-in-one rounds (ADR 0055): this tree's `lamina dev` with the dispatcher's
 * attempts over HTTP (the path before) and in process, and with `--before` the other checkout's
 * `lamina dev` as it is; ALL_IN_ONE_ROUNDS rounds, each entry once per round.
 */
async function allInOneRounds(): Promise<{ entry: string; runs: AllInOne[] }[]> {
  const entries: { entry: string; start: StartLamina; dispatcher: 'true' | 'http' }[] = [
    ...(before === undefined
      ? []
      : [
          {
            entry: `${resolve(before)} (as it is)`,
            start: await laminaStarter(before),
            dispatcher: 'true' as const,
          },
        ]),
    { entry: 'this tree, attempts over HTTP', start: startLamina, dispatcher: 'http' },
    { entry: 'this tree, attempts in process', start: startLamina, dispatcher: 'true' },
  ];
  const runs: AllInOne[][] = entries.map(() => []);
  for (let round = 0; round < ALL_IN_ONE_ROUNDS; round++) {
    for (const [i, e] of entries.entries()) {
      log(`all-in-one round ${round + 1}: ${e.entry}`);
      runs[i]?.push(await allInOne(e.start, e.dispatcher));
    }
  }
  return entries.map((e, i) => ({ entry: e.entry, runs: runs[i] ?? [] }));
}

/** `--all-in-one`: only the interleaved all-in-one rounds, to bench/results/async-all-in-one.json. */
async function allInOneOnly(): Promise<void> {
  const atStart = loadavg();
  const rounds = await allInOneRounds();
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    loadAverage: { atStart, atEnd: loadavg() },
    what: "interleaved all-in-one runs (ADR 0055): this tree's lamina dev with its dispatcher's attempts over HTTP and in process, and with --before the other checkout's; each takes the events at concurrency 32 while it runs them, timed to an empty intake stream",
    settings: {
      events: EVENTS,
      concurrency: CONCURRENCY,
      payload: PAYLOAD,
      rounds: ALL_IN_ONE_ROUNDS,
      dispatcherConcurrency: DEV_DISPATCHER_CONCURRENCY,
      redis: SHARED_REDIS
        ? 'the test environment Redis (--shared-redis): admission in Redis'
        : "lamina dev's private Redis, as the quick start: admission in memory",
    },
    entries: rounds,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/async-all-in-one.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${file}`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--all-in-one')) return allInOneOnly();
  const load: number[][] = [loadavg()];
  log('baseline: plain Node.js server');
  const floor = await baseline();
  log(`  ${floor.rps.toFixed(0)} requests/s (p99 ${floor.p99Ms.toFixed(2)} ms)`);
  load.push(loadavg());
  const first = await allInOne(startLamina, 'true');
  const { accepted } = first;
  const e2eSeconds = first.seconds;
  const e2eCpu = first.cpuUsPerEvent;
  load.push(loadavg());
  const rounds = await allInOneRounds();
  load.push(loadavg());
  const splitRun = await split();
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    loadAverage: {
      atStart: load[0],
      beforeLamina: load[1],
      beforeRounds: load[2],
      beforeSplit: load[3],
    },
    baseline: { what: 'plain Node.js HTTP server (echo-server.ts)', ...floor },
    settings: {
      events: EVENTS,
      intakeEvents: INTAKE_EVENTS,
      drainEvents: DRAIN_EVENTS,
      concurrency: CONCURRENCY,
      payload: PAYLOAD,
      mode: 'lamina dev',
      dispatcherConcurrency: DEV_DISPATCHER_CONCURRENCY,
      allInOneRedis: SHARED_REDIS ? 'shared (--shared-redis)' : "lamina dev's private Redis",
    },
    accepted: {
      ...accepted,
      eventsPerSecond: accepted.rps,
      percentOfBaseline: (100 * accepted.rps) / floor.rps,
    },
    endToEnd: {
      events: EVENTS,
      seconds: e2eSeconds,
      completionsPerSecond: EVENTS / e2eSeconds,
      // gateway: intake, the dispatcher in the same process and the sync invokes it makes.
      cpuUsPerEvent: e2eCpu,
    },
    allInOneRounds: {
      what: "interleaved all-in-one runs (ADR 0055): this tree's lamina dev with its dispatcher's attempts over HTTP and in process, and with --before the other checkout's",
      events: EVENTS,
      entries: rounds,
    },
    split: {
      what: 'lamina dev with its dispatcher off takes the events (through express, then the fast path); then a standalone dispatcher drains them (with --before: interleaved drain rounds, before against this tree)',
      accepted: {
        ...splitRun.accepted,
        eventsPerSecond: splitRun.accepted.rps,
        percentOfBaseline: (100 * splitRun.accepted.rps) / floor.rps,
      },
      acceptedThroughExpress: {
        ...splitRun.acceptedExpress,
        eventsPerSecond: splitRun.acceptedExpress.rps,
        percentOfBaseline: (100 * splitRun.acceptedExpress.rps) / floor.rps,
      },
      drain: splitRun.drain,
      ...(splitRun.rounds === undefined
        ? {}
        : {
            drainRounds: {
              what: "interleaved drains of equal backlogs through the same gateway: the other checkout's standalone dispatcher (before) and this tree's",
              before: splitRun.rounds[0],
              after: splitRun.rounds[1],
            },
          }),
      loadAverageAtStart: splitRun.loadAverage,
    },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/async.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(
    `accepted ${accepted.rps.toFixed(0)} events/s (p50 ${accepted.p50Ms.toFixed(2)} ms, p99 ${accepted.p99Ms.toFixed(2)} ms); end to end ${(EVENTS / e2eSeconds).toFixed(0)} completions/s`,
  );
  log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

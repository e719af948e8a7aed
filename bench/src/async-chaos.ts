import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  eventually,
  type ServiceProcess,
  startLamina,
  startService,
  testEnv,
  uniqueName,
} from '@lamina/testkit';

import { Redis } from 'ioredis';

import { cpuOfPid } from './cpu-usage.js';
import { runLoad } from './load.js';
import { redisUsec, usecOf } from './redis-usage.js';

/**
 * bench/async-chaos: duplicates of async events when a standalone dispatcher is SIGKILLed every
 * 3 s (issue #20, ADR 0026). EVENTS Event invokes at concurrency 32 into `lamina dev` (its own
 * dispatcher off) while a standalone dispatcher (concurrency 32, lock 3 s, stalled check 1 s,
 * as test/async/chaos.int.test.ts) works through them and is killed and restarted every 3 s.
 * A recording function appends its request id per run; a request id seen twice ran twice.
 * Same run, three rounds: run records off (LAMINA_DISPATCHER_RUN_RECORD_MS=0, the baseline),
 * records without waiting for a running attempt (LAMINA_DISPATCHER_AWAIT_RUNNING=false: ADR
 * 0043's behaviour) and the default (records, and a pickup waits for an attempt still running,
 * ADR 0048). Each round records CPU per event: the gateway (`lamina dev`'s process, the
 * environments not counted), the dispatchers (every incarnation, summed up to its kill) and
 * Redis (INFO commandstats; the shared Redis also serves other clients).
 * Writes bench/results/async-chaos.json.
 *
 *   REDIS_DURABLE_URL=… (or REDIS_URL) node bench/dist/async-chaos.js [--quick | --events N]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const eventsArg = process.argv.indexOf('--events');
const EVENTS =
  eventsArg === -1 ? (quick ? 5000 : 20_000) : Number(process.argv[eventsArg + 1] ?? 20_000);
const KILL_EVERY_MS = 3000;

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const handler = (file: string) => `const fs = require('node:fs');
exports.handler = async (event, context) => {
  fs.appendFileSync(${JSON.stringify(file)}, context.awsRequestId + '\\n');
  return { ok: true };
};\n`;

function runCounts(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of readFileSync(file, 'utf8').split('\n')) {
    if (id !== '') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

type Mode = 'off' | 'records' | 'await';

interface Round {
  readonly mode: Mode;
  readonly events: number;
  readonly kills: number;
  readonly seconds: number;
  readonly ran: number;
  readonly duplicates: number;
  readonly extraRuns: number;
  readonly duplicatePercent: number;
  readonly duplicatesPerKill: number;
  readonly cpuUsPerEvent: { gateway: number; dispatchers: number; redis: number };
  readonly loadAverageAtEnd: number[];
}

async function round(
  url: string,
  gateway: string,
  redisUrl: string,
  prefix: string,
  fn: string,
  file: string,
  mode: Mode,
  gatewayPid: number,
): Promise<Round> {
  const env = {
    REDIS_URL: redisUrl,
    LAMINA_REDIS_PREFIX: prefix,
    LAMINA_GATEWAY_URL: gateway,
    LAMINA_DISPATCHER_CONCURRENCY: '32',
    LAMINA_DISPATCHER_LOCK_MS: '3000',
    LAMINA_DISPATCHER_STALLED_INTERVAL_MS: '1000',
    LAMINA_SCHEDULER_ENABLED: 'false',
    ...(mode === 'off' ? { LAMINA_DISPATCHER_RUN_RECORD_MS: '0' } : {}),
    ...(mode === 'records' ? { LAMINA_DISPATCHER_AWAIT_RUNNING: 'false' } : {}),
  };
  const redis = new Redis(redisUrl);
  const redisBefore = await redisUsec(redis);
  const gatewayBefore = cpuOfPid(gatewayPid);
  let dispatcherCpu = 0;
  // A loaded machine can take longer than startService's 20 s to start one: try again.
  const start = async (): Promise<ServiceProcess> => {
    for (let i = 1; ; i++) {
      try {
        return await startService('dispatcher', env);
      } catch (err) {
        if (i >= 3) throw err;
        log(`  dispatcher start ${i} failed; again`);
      }
    }
  };
  const t0 = performance.now();
  let dispatcher: ServiceProcess = await start();
  let kills = 0;
  const accepting = runLoad({
    url: `${url}/2015-03-31/functions/${fn}/invocations`,
    body: '{"n":1}',
    concurrency: 32,
    requests: EVENTS,
    headers: { 'x-amz-invocation-type': 'Event' },
    expectStatus: 202,
  });
  try {
    while (runCounts(file).size < EVENTS && performance.now() - t0 < 600_000) {
      await sleep(KILL_EVERY_MS);
      if (runCounts(file).size >= EVENTS) break;
      dispatcherCpu += cpuOfPid(dispatcher.pid);
      await dispatcher.kill('SIGKILL');
      kills++;
      dispatcher = await start();
    }
    await accepting;
    await eventually(() => (runCounts(file).size >= EVENTS ? true : undefined), {
      what: `${EVENTS} events ran`,
      timeoutMs: 120_000,
      intervalMs: 200,
    });
  } finally {
    dispatcherCpu += cpuOfPid(dispatcher.pid);
    await dispatcher.kill('SIGTERM');
  }
  const gatewayCpu = cpuOfPid(gatewayPid) - gatewayBefore;
  const redisUs = usecOf(redisBefore, await redisUsec(redis));
  redis.disconnect();
  const perEvent = (seconds: number): number => Math.round((seconds * 1e6) / EVENTS);
  const seconds = (performance.now() - t0) / 1000;
  const counts = runCounts(file);
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  const extraRuns = [...counts.values()].reduce((a, n) => a + n - 1, 0);
  return {
    mode,
    events: EVENTS,
    kills,
    seconds,
    ran: counts.size,
    duplicates,
    extraRuns,
    duplicatePercent: (100 * duplicates) / EVENTS,
    duplicatesPerKill: kills === 0 ? 0 : duplicates / kills,
    cpuUsPerEvent: {
      gateway: perEvent(gatewayCpu),
      dispatchers: perEvent(dispatcherCpu),
      redis: Math.round(redisUs / EVENTS),
    },
    loadAverageAtEnd: loadavg(),
  };
}

async function main(): Promise<void> {
  const redisUrl = testEnv.optional('REDIS_DURABLE_URL') ?? testEnv.require('REDIS_URL');
  const state = mkdtempSync(join(tmpdir(), 'lamina-bench-chaos-'));
  const functions = join(state, 'functions');
  const files: Record<string, string> = {};
  const modes: Mode[] = ['off', 'records', 'await'];
  for (const fn of modes.map((m) => `chaos-${m}`)) {
    files[fn] = join(state, `${fn}.log`);
    writeFileSync(files[fn], '');
    mkdirSync(join(functions, fn), { recursive: true });
    writeFileSync(join(functions, fn, 'index.js'), handler(files[fn]));
    writeFileSync(
      join(functions, `${fn}.yaml`),
      `apiVersion: lamina.dev/v1alpha1\nkind: Function\nmetadata: {name: ${fn}}\n` +
        `spec: {runtime: nodejs22.x, handler: index.handler, memorySize: 128, timeout: 10, code: {path: ./${fn}}}\n`,
    );
  }
  const prefix = uniqueName('bench-chaos');
  const lamina = await startLamina({
    functionsDir: functions,
    stateDir: join(state, 'state'),
    env: {
      REDIS_URL: redisUrl,
      LAMINA_REDIS_PREFIX: prefix,
      LAMINA_DEV_DISPATCHER: 'false',
      // The recording handler appends to a host file, which the sandbox hides (ADR 0029).
      LAMINA_SANDBOX: 'off',
    },
  });
  const rounds: Round[] = [];
  const load: number[][] = [];
  try {
    for (const mode of modes) {
      const fn = `chaos-${mode}`;
      load.push(loadavg());
      log(`${EVENTS} events, a dispatcher SIGKILLed every 3 s, run records: ${mode}`);
      const r = await round(
        lamina.url,
        lamina.url,
        redisUrl,
        prefix,
        fn,
        files[fn] ?? '',
        mode,
        lamina.pid,
      );
      rounds.push(r);
      log(
        `  ${r.kills} kills in ${r.seconds.toFixed(1)} s: ${r.duplicates} ran twice ` +
          `(${r.duplicatePercent.toFixed(2)} %, ${r.duplicatesPerKill.toFixed(1)} per kill), ${r.ran} ran; ` +
          `CPU per event: gateway ${r.cpuUsPerEvent.gateway} µs, dispatchers ${r.cpuUsPerEvent.dispatchers} µs, Redis ${r.cpuUsPerEvent.redis} µs`,
      );
    }
  } finally {
    await lamina.stop();
    rmSync(state, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    loadAverageAtStart: load,
    settings: {
      events: EVENTS,
      killEveryMs: KILL_EVERY_MS,
      dispatcher: { concurrency: 32, lockMs: 3000, stalledIntervalMs: 1000 },
      redis: testEnv.optional('REDIS_DURABLE_URL') === undefined ? 'REDIS_URL' : 'durable',
    },
    baseline: rounds[0],
    runRecordsOnly: rounds[1],
    awaitRunning: rounds[2],
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const out = join(root, 'bench/results/async-chaos.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${out}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

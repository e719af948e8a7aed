import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type LaminaProcess, spawnWatched } from '@lamina/testkit';

import {
  memoryOfDescendants,
  memoryOfPid,
  type ProcessUsage,
  selfCpu,
  usageOfTree,
} from './cpu-usage.js';
import { type LoadOptions, type LoadResult, runLoad } from './load.js';
import { noopInvokeUrl, startCheckout } from './local-checkout.js';

/**
 * bench/invoke: warm sync invoke latency (concurrency 1) and throughput (concurrency 32) of a
 * no-op function through Lamina's local mode, against baselines measured in the same run: a
 * plain Node.js HTTP server doing the same JSON echo (issue #20's 100 %), and the same server
 * handing each request to one of 32 child processes, one at a time each (`fanout-server.ts`: the
 * floor of a process per concurrent call). With `--before <checkout>` Lamina is measured a second
 * time from another built checkout (e.g. the main branch), in the same run, before this one.
 * Writes bench/results/invoke.json: latency, throughput, CPU and wake-ups per request by process
 * (server, execution environments, Redis, sandbox, load generator), and memory (the server; per
 * idle execution environment: resident, private, proportional). With `--before`, both local modes
 * then stay up for `--rounds` interleaved rounds (default 3; the order alternates), each a
 * concurrency-1 and a concurrency-32 phase of each: on a shared, loaded machine the two are
 * compared round by round, not minutes apart.
 *
 *   npm run bench:invoke [-- --quick] [--before /work/main [--rounds 3]]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
const roundsAt = process.argv.indexOf('--rounds');
const ROUNDS = before === undefined ? 0 : roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 3;
const ROUND_LAT_REQUESTS = quick ? 300 : 2000;
const ROUND_TPUT_MS = quick ? 1500 : 4000;
const LAT_REQUESTS = quick ? 500 : 5000;
const TPUT_MS = quick ? 3000 : 10_000;
const CONCURRENCY = 32;
const PAYLOAD = JSON.stringify({ hello: 'world', n: 42 });

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** CPU microseconds per request: the server process, its children (environments, Redis), the load generator. */
interface CpuPerRequest {
  readonly serverProcessUs: number;
  readonly childrenUs: number;
  /** The children by kind: runtimes (or the floor's echo children), redis-server, bubblewrap. */
  readonly environmentsUs: number;
  readonly redisUs: number;
  readonly sandboxUs: number;
  readonly loadGeneratorUs: number;
  /** Voluntary context switches per request (sleeps ended by a wake-up), a count load barely moves. */
  readonly serverWakeups: number;
  readonly environmentWakeups: number;
  /** Cores kept busy on average: the server process alone (1 = one core saturated), all of it. */
  readonly serverCores: number;
  readonly serverAndChildrenCores: number;
}

interface Phase extends LoadResult {
  readonly cpu: CpuPerRequest;
}

/** Resident memory after the throughput phase, in MB. */
interface Memory {
  readonly serverRssMb: number;
  /** Idle execution environments (runtime processes below the server; not Redis, not bubblewrap). */
  readonly environments: number;
  /** Mean resident set of one environment (its file pages, e.g. the node binary, are shared). */
  readonly rssMbPerEnvironment: number;
  /** Mean private (anonymous) resident memory of one environment: what each one adds. */
  readonly privateMbPerEnvironment: number;
  /** Mean proportional set (Pss): shared pages divided among the processes that map them. */
  readonly pssMbPerEnvironment: number;
}

interface Measured {
  readonly c1: Phase;
  readonly c32: Phase;
  readonly memory: Memory;
}

const mb = (n: number): number => Math.round(n * 10) / 10;

type Kind = 'server' | 'environment' | 'redis' | 'sandbox';

/** What a process of the server's tree is: Redis, a sandbox's bubblewrap, or an environment. */
function kindOf(p: { readonly pid: number; readonly command: string }, serverPid: number): Kind {
  if (p.pid === serverPid) return 'server';
  if (p.command.startsWith('redis')) return 'redis';
  if (p.command === 'bwrap') return 'sandbox';
  return 'environment';
}

function memory(pid: number): Memory {
  const envs = memoryOfDescendants(pid).filter((p) => kindOf(p, pid) === 'environment');
  const mean = (f: (p: (typeof envs)[number]) => number): number =>
    envs.length === 0 ? 0 : mb(envs.reduce((sum, p) => sum + f(p), 0) / envs.length);
  return {
    serverRssMb: mb(memoryOfPid(pid)?.rssMb ?? 0),
    environments: envs.length,
    rssMbPerEnvironment: mean((p) => p.rssMb),
    privateMbPerEnvironment: mean((p) => p.anonMb),
    pssMbPerEnvironment: mean((p) => p.pssMb),
  };
}

/** CPU seconds and wake-ups of a tree by kind; processes gone meanwhile drop out of both ends. */
function usageByKind(pid: number): Map<number, ProcessUsage & { kind: Kind }> {
  return new Map(usageOfTree(pid).map((p) => [p.pid, { ...p, kind: kindOf(p, pid) }]));
}

async function phase(pid: number, o: LoadOptions): Promise<Phase> {
  const before = usageByKind(pid);
  const self = selfCpu();
  const r = await runLoad(o);
  const selfSeconds = selfCpu() - self;
  const cpu: Record<Kind, number> = { server: 0, environment: 0, redis: 0, sandbox: 0 };
  const wakeups: Record<Kind, number> = { server: 0, environment: 0, redis: 0, sandbox: 0 };
  for (const [p, now] of usageByKind(pid)) {
    const was = before.get(p);
    cpu[now.kind] += now.cpuSeconds - (was?.cpuSeconds ?? 0);
    wakeups[now.kind] += now.wakeups - (was?.wakeups ?? 0);
  }
  const n = Math.max(1, r.requests);
  const us = (seconds: number): number => Math.round((seconds / n) * 1e6);
  const each = (count: number): number => Math.round((count / n) * 100) / 100;
  const children = cpu.environment + cpu.redis + cpu.sandbox;
  return {
    ...r,
    cpu: {
      serverProcessUs: us(cpu.server),
      childrenUs: us(children),
      environmentsUs: us(cpu.environment),
      redisUs: us(cpu.redis),
      sandboxUs: us(cpu.sandbox),
      loadGeneratorUs: us(selfSeconds),
      serverWakeups: each(wakeups.server),
      environmentWakeups: each(wakeups.environment),
      serverCores: Math.round((cpu.server / r.seconds) * 100) / 100,
      serverAndChildrenCores: Math.round(((cpu.server + children) / r.seconds) * 100) / 100,
    },
  };
}

async function measure(name: string, url: string, pid: number): Promise<Measured> {
  log(`${name}: warm-up`);
  await runLoad({ url, body: PAYLOAD, concurrency: 1, requests: 300 });
  await runLoad({ url, body: PAYLOAD, concurrency: CONCURRENCY, durationMs: 2000 });
  log(`${name}: latency, concurrency 1, ${LAT_REQUESTS} requests`);
  const c1 = await phase(pid, { url, body: PAYLOAD, concurrency: 1, requests: LAT_REQUESTS });
  log(`${name}: p50 ${c1.p50Ms.toFixed(3)} ms, p99 ${c1.p99Ms.toFixed(3)} ms`);
  log(`${name}: throughput, concurrency ${CONCURRENCY}, ${TPUT_MS} ms`);
  const c32 = await phase(pid, {
    url,
    body: PAYLOAD,
    concurrency: CONCURRENCY,
    durationMs: TPUT_MS,
  });
  log(`${name}: ${c32.rps.toFixed(0)} req/s, errors ${c32.errors}`);
  // Idle now: the environments wait at /next.
  await new Promise((r) => setTimeout(r, 1000));
  const mem = memory(pid);
  log(
    `${name}: server ${mem.serverRssMb} MB; ${mem.environments} environments, each ${mem.rssMbPerEnvironment} MB resident, ${mem.privateMbPerEnvironment} MB private`,
  );
  for (const [label, p] of [
    ['c=1', c1],
    [`c=${CONCURRENCY}`, c32],
  ] as const) {
    log(
      `${name}: CPU per request at ${label}: server ${p.cpu.serverProcessUs} us, environments ${p.cpu.environmentsUs} us, redis ${p.cpu.redisUs} us, sandbox ${p.cpu.sandboxUs} us, load generator ${p.cpu.loadGeneratorUs} us; wake-ups server ${p.cpu.serverWakeups}, environments ${p.cpu.environmentWakeups}`,
    );
  }
  return { c1, c32, memory: mem };
}

/** A server started from a bench script (the baselines), measured, then stopped. */
async function measureServer(name: string, args: string[]): Promise<Measured> {
  log(`${name}: ${args.join(' ')}`);
  const server = spawnWatched([join(root, 'bench/dist', args[0] ?? ''), ...args.slice(1)], {});
  try {
    const listening = await server.ready(/listening (\d+)/, name, 60_000);
    return await measure(name, `http://127.0.0.1:${listening[1] ?? ''}/`, server.pid);
  } finally {
    await server.kill('SIGTERM', 10_000);
  }
}

/** Local mode (`lamina dev`) of a built checkout, with the no-op function. */
function startLocal(name: string, checkout: string): Promise<LaminaProcess> {
  log(`${name}: local mode (lamina dev) of ${checkout} with the no-op function`);
  return startCheckout(checkout);
}

/** One interleaved round of a local mode: a concurrency-1 and a concurrency-32 phase. */
interface Round {
  readonly round: number;
  readonly name: string;
  readonly loadAverage: number;
  readonly c1: Phase;
  readonly c32: Phase;
}

/** The two local modes, both up, measured in alternating order round after round. */
async function interleaved(
  sides: readonly { name: string; lamina: LaminaProcess }[],
  rounds: number,
): Promise<Round[]> {
  const out: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const { name, lamina } of order) {
      const url = noopInvokeUrl(lamina);
      const loadAverage = Number((loadavg()[0] ?? 0).toFixed(2));
      const c1 = await phase(lamina.pid, {
        url,
        body: PAYLOAD,
        concurrency: 1,
        requests: ROUND_LAT_REQUESTS,
      });
      const c32 = await phase(lamina.pid, {
        url,
        body: PAYLOAD,
        concurrency: CONCURRENCY,
        durationMs: ROUND_TPUT_MS,
      });
      log(
        `round ${r + 1} ${name} (load ${loadAverage}): c=1 p50 ${c1.p50Ms.toFixed(3)} ms, server ${c1.cpu.serverProcessUs} us, wake-ups ${c1.cpu.serverWakeups}; c=${CONCURRENCY} ${c32.rps.toFixed(0)} req/s, server ${c32.cpu.serverProcessUs} us, environments ${c32.cpu.environmentsUs} us per call`,
      );
      out.push({ round: r + 1, name, loadAverage, c1, c32 });
    }
  }
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** Medians over the rounds of one side: what the ADRs compare. */
function roundMedians(rounds: readonly Round[], name: string): Record<string, number> {
  const mine = rounds.filter((r) => r.name === name);
  const of = (f: (r: Round) => number): number => Math.round(median(mine.map(f)) * 1000) / 1000;
  return {
    c1P50Ms: of((r) => r.c1.p50Ms),
    c1P99Ms: of((r) => r.c1.p99Ms),
    c1ServerUs: of((r) => r.c1.cpu.serverProcessUs),
    c1EnvironmentsUs: of((r) => r.c1.cpu.environmentsUs),
    c1ServerWakeups: of((r) => r.c1.cpu.serverWakeups),
    c32Rps: of((r) => r.c32.rps),
    c32ServerUs: of((r) => r.c32.cpu.serverProcessUs),
    c32EnvironmentsUs: of((r) => r.c32.cpu.environmentsUs),
  };
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const baseline = await measureServer('baseline', ['echo-server.js', '0']);
  const floor = await measureServer('floor', ['fanout-server.js', '0', String(CONCURRENCY)]);
  const previousLamina =
    before === undefined ? undefined : await startLocal('before', resolve(before));
  let previous: Measured | undefined;
  let platform: Measured;
  let rounds: Round[] = [];
  try {
    if (previousLamina !== undefined) {
      previous = await measure('before', noopInvokeUrl(previousLamina), previousLamina.pid);
    }
    const lamina = await startLocal('lamina', root);
    try {
      platform = await measure('lamina', noopInvokeUrl(lamina), lamina.pid);
      if (previousLamina !== undefined && ROUNDS > 0) {
        log(`${String(ROUNDS)} interleaved rounds, both local modes up`);
        rounds = await interleaved(
          [
            { name: 'lamina', lamina },
            { name: 'before', lamina: previousLamina },
          ],
          ROUNDS,
        );
      }
    } finally {
      await lamina.stop();
    }
  } finally {
    await previousLamina?.stop();
  }
  const loadAtEnd = loadavg().map((l) => Number(l.toFixed(2)));

  const addedP50 = platform.c1.p50Ms - baseline.c1.p50Ms;
  const addedP99 = platform.c1.p99Ms - baseline.c1.p99Ms;
  const ratio = platform.c32.rps / baseline.c32.rps;
  // Gateway + runtimes (+ Redis) CPU per call: the server process and its children.
  const platformCpuUs = platform.c32.cpu.serverProcessUs + platform.c32.cpu.childrenUs;
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      node: process.version,
      // Other work on the machine skews wall-clock numbers; the CPU-per-request figures less so.
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadAtEnd,
    },
    settings: {
      latencyRequests: LAT_REQUESTS,
      throughputMs: TPUT_MS,
      concurrency: CONCURRENCY,
      payload: PAYLOAD,
    },
    baseline,
    // A process per concurrent call and nothing else: 32 echo children behind node:http.
    floor,
    ...(previous === undefined ? {} : { before: { checkout: resolve(before ?? ''), ...previous } }),
    lamina: platform,
    addedLatencyMs: { p50: addedP50, p99: addedP99 },
    throughputRatio: ratio,
    floorThroughputRatio: floor.c32.rps / baseline.c32.rps,
    ...(previous === undefined
      ? {}
      : { beforeThroughputRatio: previous.c32.rps / baseline.c32.rps }),
    platformCpuUsPerCallAtC32: platformCpuUs,
    ...(rounds.length === 0
      ? {}
      : {
          interleaved: {
            roundLatencyRequests: ROUND_LAT_REQUESTS,
            roundThroughputMs: ROUND_TPUT_MS,
            medians: {
              lamina: roundMedians(rounds, 'lamina'),
              before: roundMedians(rounds, 'before'),
            },
            rounds,
          },
        }),
    // Issue #20's acceptance.
    targets: {
      addedP50AtMost0_3ms: addedP50 <= 0.3,
      addedP99AtMost2ms: addedP99 <= 2,
      throughputAtLeast45Percent: ratio >= 0.45,
      platformCpuAtMost300usPerCall: platformCpuUs <= 300,
      idleNodeEnvironmentAtMost35MbResident: platform.memory.rssMbPerEnvironment <= 35,
    },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/invoke.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(
    `added latency p50 ${addedP50.toFixed(3)} ms, p99 ${addedP99.toFixed(3)} ms; throughput ${(ratio * 100).toFixed(1)} % of baseline`,
  );
  log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

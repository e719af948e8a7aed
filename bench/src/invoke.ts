import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { spawnWatched, startLamina } from '@lamina/testkit';

import { cpuOfPid, cpuOfTree, memoryOfDescendants, memoryOfPid, selfCpu } from './cpu-usage.js';
import { type LoadOptions, type LoadResult, runLoad } from './load.js';

/**
 * bench/invoke: warm sync invoke latency (concurrency 1) and throughput (concurrency 32) of a
 * no-op function through Lamina's local mode, against a baseline measured in the same run: a
 * plain Node.js HTTP server doing the same JSON echo. Writes bench/results/invoke.json: latency,
 * throughput, CPU per request (server process, its children, the load generator) and memory (the
 * server process; per execution environment, once idle after the throughput phase).
 *
 *   npm run bench:invoke [-- --quick]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const LAT_REQUESTS = quick ? 500 : 5000;
const TPUT_MS = quick ? 3000 : 10_000;
const CONCURRENCY = 32;
const PAYLOAD = JSON.stringify({ hello: 'world', n: 42 });

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** CPU microseconds per request: the server process, its children (environments, Redis), the load generator. */
interface CpuPerRequest {
  readonly serverProcessUs: number;
  readonly childrenUs: number;
  readonly loadGeneratorUs: number;
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
  /** Idle execution environments (runtime processes below the server; not Redis). */
  readonly environments: number;
  /** Mean resident set of one environment (its file pages, e.g. the node binary, are shared). */
  readonly rssMbPerEnvironment: number;
  /** Mean private (anonymous) resident memory of one environment: what each one adds. */
  readonly privateMbPerEnvironment: number;
}

interface Measured {
  readonly c1: Phase;
  readonly c32: Phase;
  readonly memory: Memory;
}

const mb = (n: number): number => Math.round(n * 10) / 10;

function memory(pid: number): Memory {
  const envs = memoryOfDescendants(pid).filter((p) => !p.command.startsWith('redis'));
  const mean = (f: (p: (typeof envs)[number]) => number): number =>
    envs.length === 0 ? 0 : mb(envs.reduce((sum, p) => sum + f(p), 0) / envs.length);
  return {
    serverRssMb: mb(memoryOfPid(pid)?.rssMb ?? 0),
    environments: envs.length,
    rssMbPerEnvironment: mean((p) => p.rssMb),
    privateMbPerEnvironment: mean((p) => p.anonMb),
  };
}

async function phase(pid: number, o: LoadOptions): Promise<Phase> {
  const before = { tree: cpuOfTree(pid), root: cpuOfPid(pid), self: selfCpu() };
  const r = await runLoad(o);
  const tree = cpuOfTree(pid) - before.tree;
  const root = cpuOfPid(pid) - before.root;
  const us = (seconds: number): number => Math.round((seconds / Math.max(1, r.requests)) * 1e6);
  return {
    ...r,
    cpu: {
      serverProcessUs: us(root),
      childrenUs: us(tree - root),
      loadGeneratorUs: us(selfCpu() - before.self),
      serverCores: Math.round((root / r.seconds) * 100) / 100,
      serverAndChildrenCores: Math.round((tree / r.seconds) * 100) / 100,
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
      `${name}: CPU per request at ${label}: server ${p.cpu.serverProcessUs} us, children ${p.cpu.childrenUs} us, load generator ${p.cpu.loadGeneratorUs} us`,
    );
  }
  return { c1, c32, memory: mem };
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  log('baseline: plain Node.js JSON echo server');
  const base = spawnWatched([join(root, 'bench/dist/echo-server.js'), '0'], {});
  let baseline: Measured;
  try {
    const listening = await base.ready(/listening (\d+)/, 'echo server', 60_000);
    baseline = await measure('baseline', `http://127.0.0.1:${listening[1] ?? ''}/`, base.pid);
  } finally {
    await base.kill('SIGTERM', 10_000);
  }

  log('lamina: local mode (lamina dev) with the no-op function');
  // No REDIS_URL: lamina dev starts its own private Redis.
  const lamina = await startLamina({
    functionsDir: join(root, 'bench/functions'),
    env: { REDIS_URL: undefined },
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 10_000,
  });
  let platform: Measured;
  try {
    platform = await measure(
      'lamina',
      `${lamina.url}/2015-03-31/functions/noop/invocations`,
      lamina.pid,
    );
  } finally {
    await lamina.stop();
  }

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
    },
    settings: {
      latencyRequests: LAT_REQUESTS,
      throughputMs: TPUT_MS,
      concurrency: CONCURRENCY,
      payload: PAYLOAD,
    },
    baseline,
    lamina: platform,
    addedLatencyMs: { p50: addedP50, p99: addedP99 },
    throughputRatio: ratio,
    platformCpuUsPerCallAtC32: platformCpuUs,
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

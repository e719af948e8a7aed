import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { startLamina, testEnv } from '@lamina/testkit';

import { benchFunctions, type BenchFunction } from './coldstart-functions.js';
import { clusterColdStarts } from './coldstart-cluster.js';
import { containerColdStarts } from './coldstart-container.js';
import { comparePool } from './coldstart-pool.js';

/**
 * bench/coldstart: per runtime, the cold start (the first call to a new environment, init
 * included, as the caller sees it, plus the REPORT's Init Duration) and the warm latency of an
 * echo function through local mode's invoke API. Each cold sample is a new function, so it gets
 * a new environment, spawned (the pre-warmed pool is off for this part). Needs
 * test/runtimes/setup.sh to have run. Writes bench/results/coldstart.json. Then, in the same
 * run, the first call of new Node.js functions without and from a warm pool of generic runtimes
 * (ADR 0019), written to bench/results/coldstart-pool.json; `--pool-only` runs just that part.
 * `--cluster` runs cluster mode instead (coldstart-cluster.ts): from zero, from the warm pool and
 * warm, on the test node, written to bench/results/coldstart-cluster.json. `--container` runs a
 * warm-pool pod's specialisation in Docker, parked against fresh, per runtime
 * (coldstart-container.ts), written to bench/results/coldstart-container.json.
 *
 *   node bench/dist/coldstart.js [--quick] [--pool-only | --cluster | --container]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const poolOnly = process.argv.includes('--pool-only');
const cluster = process.argv.includes('--cluster');
const container = process.argv.includes('--container');
/**
 * Cold starts per mode in a cluster: each is a pod (or a specialisation) on a shared node;
 * LAMINA_BENCH_CLUSTER_SAMPLES bounds it on a busy machine.
 */
const CLUSTER_SAMPLES = Number(process.env['LAMINA_BENCH_CLUSTER_SAMPLES'] ?? (quick ? '5' : '12'));
/** The cluster bench function's MemorySize (CPU in proportion, as on Lambda). */
const CLUSTER_MEMORY_MB = Number(process.env['LAMINA_BENCH_MEMORY_MB'] ?? '1024');
const POOL_SAMPLES = quick ? 10 : 30;
const COLD_SAMPLES = quick ? 3 : 10;
const WARM_REQUESTS = quick ? 100 : 500;
const EVENT = JSON.stringify({ action: 'echo', hello: 'world' });

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

const stats = (
  values: readonly number[],
): { n: number; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number } => ({
  n: values.length,
  p50Ms: percentile(values, 50),
  p90Ms: percentile(values, 90),
  p99Ms: percentile(values, 99),
  maxMs: Math.max(...values),
});

async function createFunction(endpoint: string, name: string, fn: BenchFunction): Promise<void> {
  const res = await fetch(`${endpoint}/2015-03-31/functions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      FunctionName: name,
      Runtime: fn.runtime,
      Handler: fn.handler,
      Role: 'arn:aws:iam::000000000000:role/bench',
      Code: { ZipFile: fn.zip.toString('base64') },
      MemorySize: fn.memorySize,
      Timeout: 30,
    }),
  });
  if (res.status !== 201)
    throw new Error(`CreateFunction ${name}: ${String(res.status)} ${await res.text()}`);
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** POSTs the event; the answer's status, headers and body. */
function post(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end(EVENT);
  });
}

/**
 * One invoke: caller-side milliseconds and, with `tail`, the REPORT's Init Duration. Warm calls
 * ask for no log tail, as most callers.
 */
async function invoke(
  endpoint: string,
  name: string,
  tail: boolean,
): Promise<{ ms: number; initMs?: number }> {
  const t0 = performance.now();
  const res = await post(
    `${endpoint}/2015-03-31/functions/${name}/invocations`,
    tail ? { 'x-amz-log-type': 'Tail' } : {},
  );
  const ms = performance.now() - t0;
  const ok =
    res.status === 200 &&
    res.headers['x-amz-function-error'] === undefined &&
    JSON.stringify(JSON.parse(res.body)) === EVENT;
  if (!ok) throw new Error(`invoke ${name}: ${String(res.status)} ${res.body}`);
  const log = res.headers['x-amz-log-result'];
  const text = Buffer.from(typeof log === 'string' ? log : '', 'base64').toString();
  const init = /Init Duration: ([\d.]+) ms/.exec(text)?.[1];
  return init === undefined ? { ms } : { ms, initMs: Number(init) };
}

async function measure(endpoint: string, fn: BenchFunction, tag: string): Promise<object> {
  const cold: number[] = [];
  const init: number[] = [];
  let last = '';
  for (let i = 0; i < COLD_SAMPLES; i += 1) {
    last = `cold-${tag}-${String(i)}`;
    await createFunction(endpoint, last, fn);
    const r = await invoke(endpoint, last, true);
    cold.push(r.ms);
    if (r.initMs !== undefined) init.push(r.initMs);
  }
  for (let i = 0; i < 20; i += 1) await invoke(endpoint, last, false);
  const warm: number[] = [];
  for (let i = 0; i < WARM_REQUESTS; i += 1) warm.push((await invoke(endpoint, last, false)).ms);
  const result = {
    runtime: fn.runtime,
    memorySize: fn.memorySize,
    coldStart: stats(cold),
    initDuration: stats(init),
    warm: stats(warm),
  };
  log(
    `${fn.label}: cold p50 ${result.coldStart.p50Ms.toFixed(1)} ms (init ${result.initDuration.p50Ms.toFixed(1)} ms), warm p50 ${result.warm.p50Ms.toFixed(2)} ms p99 ${result.warm.p99Ms.toFixed(2)} ms`,
  );
  return result;
}

function write(name: string, result: object): void {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', name);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${file}`);
}

const machine = (): object => ({
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  node: process.version,
});

async function poolComparison(): Promise<void> {
  const nodejs = benchFunctions(root, testEnv.cacheDir()).find((f) => f.runtime === 'nodejs22.x');
  if (nodejs === undefined) throw new Error('no nodejs22.x bench function');
  const r = await comparePool({ createFunction, invoke }, nodejs, POOL_SAMPLES);
  const p50 = (x: object): string =>
    (x as { firstCall: { p50Ms: number } }).firstCall.p50Ms.toFixed(1);
  log(
    `nodejs22.x first call: without pool p50 ${p50(r.withoutPool)} ms, warm pool p50 ${p50(r.warmPool)} ms`,
  );
  write('coldstart-pool.json', {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { samples: POOL_SAMPLES, event: EVENT, runtime: 'nodejs22.x', memorySize: 128 },
    note: "firstCall = caller-side latency of the first invoke of a new function through local mode's HTTP invoke API (one function per sample); withoutPool = LAMINA_WARM_POOL_SIZE=0 (a runtime spawned per cold call), warmPool = LAMINA_WARM_POOL_SIZE=1 (a pre-warmed generic runtime specialised per cold call); initDuration = REPORT Init Duration (spawn or specialization to first /next).",
    ...r,
  });
}

async function clusterMode(): Promise<void> {
  const nodejs = benchFunctions(root, testEnv.cacheDir()).find((f) => f.runtime === 'nodejs22.x');
  if (nodejs === undefined) throw new Error('no nodejs22.x bench function');
  const fn = { ...nodejs, memorySize: CLUSTER_MEMORY_MB };
  const started = Date.now();
  const loadAtStart = loadavg();
  const r = await clusterColdStarts({
    root,
    fn,
    samples: CLUSTER_SAMPLES,
    warmRequests: quick ? 100 : 300,
    client: { createFunction, invoke },
    log,
  });
  agent.destroy();
  log(
    `cluster first call: from zero p50 ${r.fromZero.firstCall.p50Ms.toFixed(0)} ms, from the warm pool p50 ${r.fromWarmPool.firstCall.p50Ms.toFixed(0)} ms; warm p50 ${r.warm.p50Ms.toFixed(2)} ms`,
  );
  write('coldstart-cluster.json', {
    date: new Date().toISOString(),
    machine: machine(),
    loadAverageAtStart: loadAtStart,
    loadAverage: loadavg(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    settings: {
      samples: CLUSTER_SAMPLES,
      event: EVENT,
      runtime: fn.runtime,
      memorySize: fn.memorySize,
    },
    note: "Cluster mode on the test environment's real kubelet (one 2-core node shared with other jobs). firstCall = caller-side latency of the first invoke of a new function through a cluster gateway (one function per sample, deleted after it). fromZero: the version has no pod; the gateway holds the call and wakes the autoscaler, which scales the Deployment from 0; a pod starts, fetches its code and inits before it turns ready (init at start: that call reports no Init Duration); each sample starts from a true zero (no function pod in the namespace, none terminating); fromZero.timeline = ms from the invoke to each step of the pod's start (Kubernetes' own times whole seconds, the agent's log lines exact); podsGoneAfterDelete = ms from DeleteFunction until the sample's pods were removed; failedScheduling = the node's refusals during the from-zero samples. fromWarmPool: the gateway specialises a ready generic pod (code fetched by SHA-256, relabelled) and the call runs init in it; fromWarmPool.timeline = ms from the invoke to the specialised pod's agent lines (specialised: code in place; runtimeTaken: the call's environment took the pod's parked runtime); parkedRuntimeTaken = samples that took it (the others spawned Node.js fresh); fromWarmPool.podCpu = the specialised pod's CPU during the sample from its cgroup's cpu.stat (cpuMs used by all its processes, throttledMs/throttledPeriods = CFS quota throttling: the pod's CPU limit follows MemorySize). warm = caller-side latency at concurrency 1 on a pod of a warm function. initDuration = REPORT Init Duration. specializeCall = the gateway's specialise request (code fetched by hash, checked, unpacked in the pod), part of fromWarmPool. loadAverage = the host's at the end (other jobs share it).",
    ...r,
  });
}

async function containerMode(): Promise<void> {
  const fns = benchFunctions(root, testEnv.cacheDir())
    .filter((f) => f.runtime === 'nodejs22.x' || f.runtime === 'python3.11')
    .map((f) => ({ ...f, memorySize: CLUSTER_MEMORY_MB }));
  const started = Date.now();
  const loadAtStart = loadavg();
  const samples = Number(process.env['LAMINA_BENCH_CONTAINER_SAMPLES'] ?? (quick ? '3' : '8'));
  const r = await containerColdStarts({ root, fns, samples, event: EVENT, log });
  write('coldstart-container.json', {
    date: new Date().toISOString(),
    machine: machine(),
    loadAverageAtStart: loadAtStart,
    loadAverage: loadavg(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    settings: { samples, event: EVENT, memorySize: CLUSTER_MEMORY_MB },
    note: "A warm-pool pod's specialisation and first call without a cluster: the runtime's worker image run by Docker as a generic pod (read-only root, tmpfs /tmp, read-only /var/task view, uid 10001, CPU limit MemorySize/1769 vCPU, stray sweep on, host network so agent and code server talk over loopback); one new container per sample, parked and fresh alternating. parked = the image's parked runtime (as pods have it); fresh = LAMINA_PARKED_BOOTSTRAP empty (the runtime spawned in the call: the baseline). total = specialize (code fetched by SHA-256, checked, unpacked) + firstInvoke (init included; Tail log); initDuration = the agent's Init Duration; warm = the next invoke; containerCpu = the container's CPU (cgroup cpuacct) over those three requests, throttled = its CFS throttled time; parkedTaken = samples whose call took the parked runtime. No gateway, pod network or relabelling: bench/coldstart --cluster has those. loadAverage = the host's (other jobs share it).",
    ...r,
  });
}

async function main(): Promise<void> {
  if (container) {
    await containerMode();
    return;
  }
  if (cluster) {
    await clusterMode();
    return;
  }
  if (!poolOnly) await perRuntime();
  await poolComparison();
}

async function perRuntime(): Promise<void> {
  const cache = testEnv.cacheDir();
  // Without REDIS_URL, lamina dev starts a private Redis: nothing else shares it.
  const lamina = await startLamina({ env: { REDIS_URL: undefined, LAMINA_WARM_POOL_SIZE: '0' } });
  const runtimes: Record<string, object> = {};
  try {
    const fns = benchFunctions(root, cache);
    for (const [i, fn] of fns.entries()) {
      try {
        runtimes[fn.label] = await measure(
          lamina.url,
          fn,
          `${String(i)}-${Date.now().toString(36)}`,
        );
      } catch (err) {
        // A runtime this machine does not offer (e.g. java25 without that JDK) is left out.
        log(`${fn.label}: skipped (${String(err).slice(0, 200)})`);
      }
    }
  } finally {
    agent.destroy();
    await lamina.stop();
  }
  write('coldstart.json', {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { coldSamples: COLD_SAMPLES, warmRequests: WARM_REQUESTS, event: EVENT },
    note: 'coldStart = caller-side latency of the first invoke of a new function (a new environment spawned, no pre-warmed pool, init included); initDuration = REPORT Init Duration (spawn to first /next); warm = caller-side latency at concurrency 1 through the HTTP invoke API.',
    runtimes,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  eventually,
  spawnWatched,
  testEnv,
  uniqueName,
  type WatchedProcess,
} from '@lamina/testkit';

import type { BenchFunction } from './coldstart-functions.js';
import { stats, type PoolBenchClient, type Stats } from './coldstart-pool.js';
import {
  failedScheduling,
  genericPodNames,
  type PodCpu,
  podCpu,
  type PoolTimeline,
  poolTimelineOf,
  timelineOf,
  timelineStats,
  trueZero,
} from './coldstart-timeline.js';

/**
 * bench/coldstart's cluster mode (issue #15, ADR 0017/0019): on the test environment's real
 * kubelet, the first call of new Node.js functions (a) from zero — the version has no pod, the
 * autoscaler starts one on the gateway's wake — and (b) from the warm pool — a generic pod is
 * specialised — and (c) warm calls, all through cluster gateways in the same run. Two gateway
 * processes share one namespace, code store and operator: the baseline's has its warm pool off
 * (LAMINA_WARM_POOL=false), the other's on. Before each pool sample it waits until the pool has a
 * ready generic pod again (its own `lamina_gateway_pool_pods` gauge), so each sample is a hit;
 * each function is deleted after its sample (its pods go; a specialised pod expires after the
 * short idle time set here). Needs the worker image loaded (runtimes/images/build-worker.sh and
 * $LAMINA_TEST_LOAD_IMAGE) and the operator and gateway built.
 */
export interface ClusterBenchOptions {
  readonly root: string;
  readonly fn: BenchFunction;
  readonly samples: number;
  readonly warmRequests: number;
  readonly client: PoolBenchClient;
  readonly log: (msg: string) => void;
}

export interface ClusterBenchResult {
  readonly fromZero: {
    firstCall: Stats;
    initDuration: Stats;
    /** ms from the invoke to each step of the pod's start (coldstart-timeline.ts). */
    timeline: Record<string, Stats>;
    /** ms from a sample's DeleteFunction until its pods were gone (terminated and removed). */
    podsGoneAfterDelete: Stats;
    /** FailedScheduling events of the from-zero samples' pods (0 = the node always had room). */
    failedScheduling: number;
  };
  readonly fromWarmPool: {
    firstCall: Stats;
    initDuration: Stats;
    /** ms from the invoke to the specialised pod's steps (coldstart-timeline.ts). */
    timeline: Record<string, Stats>;
    /** Samples whose call took the pod's parked runtime (the rest spawned Node.js fresh). */
    parkedRuntimeTaken: number;
    /** The specialised pod's CPU per sample (all its processes), and its CFS throttling. */
    podCpu: Record<string, Stats>;
  };
  readonly warm: Stats;
  /** The specialise call as the pool's gateway logged it (code fetched, checked, unpacked). */
  readonly specializeCall: Stats;
  readonly image: string;
}

/** The node bridge's own address (test/env/versions.sh NODE_IP): the pods' way to this host. */
const HOST = '10.213.0.1';
const SECRET = 'bench-coldstart-cluster-secret-1';
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address() as { port: number };
      s.close(() => {
        resolve(port);
      });
    });
  });
}

function kubectlPath(): string {
  const bin = testEnv.optional('LAMINA_TEST_BIN');
  return bin !== undefined && existsSync(join(bin, 'kubectl')) ? join(bin, 'kubectl') : 'kubectl';
}

const kubectl = async (args: readonly string[]): Promise<string> =>
  (await run(kubectlPath(), args, { env: testEnv.forChild({}) })).stdout;

/** Builds a runtime's worker image (kept when its tag exists). */
export async function buildWorkerImage(
  root: string,
  runtime: string,
): Promise<{ prefix: string; tag: string; ref: string }> {
  const out = (await run(join(root, 'runtimes/images/build-worker.sh'), [runtime], { cwd: root }))
    .stdout;
  const ref = out.trim().split('\n').at(-1)?.trim() ?? '';
  const m = /^(.+)-[a-z0-9.]+:([^:/]+)$/.exec(ref);
  if (m === null) throw new Error(`build-worker.sh printed no image: ${out}`);
  return { prefix: m[1] ?? '', tag: m[2] ?? '', ref };
}

/** Builds the Node.js worker image and loads it into the node. */
async function workerImage(root: string): Promise<{ prefix: string; tag: string; ref: string }> {
  const image = await buildWorkerImage(root, 'nodejs22.x');
  await run(testEnv.require('LAMINA_TEST_LOAD_IMAGE'), [image.ref]);
  return image;
}

async function genericPods(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /lamina_gateway_pool_pods\{state="generic",runtime="nodejs22\.x"\} (\d+)/.exec(text);
  return Number(m?.[1] ?? '0');
}

/** Cluster functions are Pending until the operator made their Deployment. */
async function waitActive(url: string, name: string): Promise<void> {
  await eventually(
    async () => {
      const res = await fetch(`${url}/2015-03-31/functions/${name}`);
      const body = (await res.json()) as { Configuration?: { State?: string } };
      return body.Configuration?.State === 'Active';
    },
    { what: `${name} Active`, timeoutMs: 120_000, intervalMs: 100 },
  );
}

const deleteFunction = (url: string, name: string): Promise<Response> =>
  fetch(`${url}/2015-03-31/functions/${name}`, { method: 'DELETE' });

async function firstCalls<T>(
  o: ClusterBenchOptions,
  url: string,
  tag: string,
  before: () => Promise<void>,
  timeline?: (name: string, t0: number, ms: number) => Promise<T>,
  after?: () => Promise<number>,
): Promise<{ firstCall: Stats; initDuration: Stats; timelines: T[]; gone: number[] }> {
  const first: number[] = [];
  const init: number[] = [];
  const timelines: T[] = [];
  const gone: number[] = [];
  for (let i = 0; i < o.samples; i += 1) {
    const name = `${tag}-${String(i)}`;
    await o.client.createFunction(url, name, o.fn);
    await waitActive(url, name);
    await before();
    const t0 = Date.now();
    const r = await o.client.invoke(url, name, true);
    first.push(r.ms);
    if (r.initMs !== undefined) init.push(r.initMs);
    o.log(`${tag} ${String(i)}: ${r.ms.toFixed(0)} ms (init ${String(r.initMs ?? '-')} ms)`);
    if (timeline !== undefined) {
      const t = await timeline(name, t0, r.ms).catch(() => undefined);
      if (t !== undefined) timelines.push(t);
      o.log(`${tag} ${String(i)} timeline: ${JSON.stringify(t)}`);
    }
    await deleteFunction(url, name);
    if (after !== undefined) {
      const ms = await after();
      gone.push(ms);
      o.log(`${tag} ${String(i)}: its pods gone ${ms.toFixed(0)} ms after the delete`);
    }
  }
  return { firstCall: stats(first), initDuration: stats(init), timelines, gone };
}

/** See the file comment. */
export async function clusterColdStarts(o: ClusterBenchOptions): Promise<ClusterBenchResult> {
  const redisUrl = testEnv.require('REDIS_URL');
  testEnv.require('LAMINA_TEST_NODE');
  const image = await workerImage(o.root);
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(o.root, 'deploy/crds')]);
  const ns = uniqueName('bench-cs');
  await kubectl(['create', 'namespace', ns]);
  const state = mkdtempSync(join(tmpdir(), 'lamina-bench-cs-'));
  const procs: WatchedProcess[] = [];
  try {
    const gateway = async (warmPool: boolean): Promise<{ url: string; p: WatchedProcess }> => {
      const port = await freePort();
      const p = spawnWatched([join(o.root, 'services/gateway/dist/main.js')], {
        REDIS_URL: redisUrl,
        LAMINA_HOST: HOST,
        LAMINA_PORT: String(port),
        LAMINA_NAMESPACE: ns,
        LAMINA_CODE_DIR: join(state, 'code'),
        LAMINA_STATE_DIR: state,
        LAMINA_REDIS_PREFIX: ns,
        LAMINA_CODE_TOKEN_SECRET: SECRET,
        LAMINA_COLD_START_WAIT_MS: '120000',
        LAMINA_BUSY_WAIT_MS: '120000',
        LAMINA_WARM_POOL: String(warmPool),
        LAMINA_LOG_LEVEL: warmPool ? 'info' : 'warn',
      });
      procs.push(p);
      const url = `http://${HOST}:${String(port)}`;
      await eventually(async () => (await fetch(`${url}/metrics`)).ok, {
        what: 'the gateway listening',
        timeoutMs: 60_000,
      });
      return { url, p };
    };
    const poolGateway = await gateway(true);
    const withPool = poolGateway.url;
    const baseline = (await gateway(false)).url;
    procs.push(
      spawnWatched([join(o.root, 'operator/dist/main.js')], {
        KUBECONFIG: testEnv.require('KUBECONFIG'),
        LAMINA_WATCH_NAMESPACE: ns,
        LAMINA_LEASE_NAMESPACE: ns,
        LAMINA_OPERATOR_IDENTITY: 'bench',
        LAMINA_HTTP_PORT: '0',
        LAMINA_WORKER_IMAGE_PULL_POLICY: 'Never',
        LAMINA_WORKER_IMAGE_PREFIX: image.prefix,
        LAMINA_WORKER_IMAGE_TAG: image.tag,
        LAMINA_WORKER_CODE_DELIVERY: 'http',
        LAMINA_WORKER_CODE_URL: withPool,
        LAMINA_CODE_TOKEN_SECRET: SECRET,
        LAMINA_REDIS_URL: redisUrl,
        LAMINA_REDIS_PREFIX: ns,
        LAMINA_AUTOSCALER: 'true',
        LAMINA_AUTOSCALER_TICK_MS: '500',
        LAMINA_SCALE_TO_ZERO_SECONDS: '15',
        LAMINA_WARM_POOL_SIZE: '1',
        LAMINA_WARM_POOL_RUNTIMES: o.fn.runtime,
        // The same memory (so the same CPU share) as the bench function's own pods.
        LAMINA_WARM_POOL_MEMORY_MB: String(o.fn.memorySize),
        LAMINA_WARM_POOL_IDLE_SECONDS: '10',
        LAMINA_LOG_LEVEL: 'warn',
      }),
    );
    const poolReady = async (): Promise<void> => {
      await eventually(async () => (await genericPods(withPool)) > 0, {
        what: 'a ready generic pod',
        timeoutMs: 180_000,
        intervalMs: 200,
      });
    };
    // The pool exists once the namespace has a function: the first sample waits for it.
    // The generic pods' CPU counters before each pool sample, then a pause, so the kubectl
    // processes of the reading are done before the call.
    let cpuBefore = new Map<string, PodCpu>();
    const poolBefore = async (): Promise<void> => {
      await poolReady();
      cpuBefore = new Map();
      for (const name of await genericPodNames(kubectl, ns)) {
        const cpu = await podCpu(kubectl, ns, name);
        if (cpu !== undefined) cpuBefore.set(name, cpu);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    };
    const poolTimeline = async (name: string, t0: number, ms: number): Promise<PoolTimeline> => {
      const t = await poolTimelineOf(kubectl, ns, name, t0, ms, poolGateway.p.logs());
      const before = t.pod === undefined ? undefined : cpuBefore.get(t.pod);
      const after = t.pod === undefined ? undefined : await podCpu(kubectl, ns, t.pod);
      if (before === undefined || after === undefined) return t;
      return {
        ...t,
        cpuMs: after.usageMs - before.usageMs,
        throttledMs: after.throttledMs - before.throttledMs,
        throttledPeriods: after.throttledPeriods - before.throttledPeriods,
      };
    };
    const pool = await firstCalls<PoolTimeline>(o, withPool, 'pool', poolBefore, poolTimeline);
    const fromWarmPool = {
      firstCall: pool.firstCall,
      initDuration: pool.initDuration,
      timeline: timelineStats(pool.timelines, [
        'specialiseSent',
        'specialiseAnswered',
        'specialised',
        'runtimeTaken',
        'answered',
      ]),
      parkedRuntimeTaken: pool.timelines.filter((t) => t.parked).length,
      podCpu: timelineStats(pool.timelines, ['cpuMs', 'throttledMs', 'throttledPeriods']),
    };
    // From a true zero: the pool samples' specialised pods expire and go first, and after each
    // sample its pods must be gone (not terminating) before the next one is created.
    const zeroWait = await trueZero(kubectl, ns);
    o.log(`from zero: the pool samples' pods gone after ${zeroWait.toFixed(0)} ms`);
    const refusedBefore = await failedScheduling(kubectl, ns);
    const zero = await firstCalls(
      o,
      baseline,
      'zero',
      () => Promise.resolve(),
      (name, t0, ms) => timelineOf(kubectl, ns, name, t0, ms),
      () => trueZero(kubectl, ns),
    );
    const fromZero = {
      firstCall: zero.firstCall,
      initDuration: zero.initDuration,
      timeline: timelineStats(zero.timelines),
      podsGoneAfterDelete: stats(zero.gone),
      failedScheduling: (await failedScheduling(kubectl, ns)) - refusedBefore,
    };
    const warmName = 'warm';
    await o.client.createFunction(baseline, warmName, o.fn);
    await waitActive(baseline, warmName);
    for (let i = 0; i < 20; i += 1) await o.client.invoke(baseline, warmName, false);
    const warm: number[] = [];
    for (let i = 0; i < o.warmRequests; i += 1) {
      warm.push((await o.client.invoke(baseline, warmName, false)).ms);
    }
    const specializeMs = [...poolGateway.p.logs().matchAll(/"specializeMs":(\d+)/g)].map((m) =>
      Number(m[1]),
    );
    return {
      fromZero,
      fromWarmPool,
      warm: stats(warm),
      specializeCall: stats(specializeMs),
      image: image.ref,
    };
  } finally {
    // While the operator runs: a Function's finalizer needs it, or the namespace never goes.
    await kubectl(['delete', 'functions.lamina.dev', '--all', '-n', ns, '--timeout=60s']).catch(
      () => '',
    );
    for (const p of procs.reverse()) await p.kill('SIGTERM', 20_000);
    await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => '');
    rmSync(state, { recursive: true, force: true });
  }
}

import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { AGENT_HEADERS, AGENT_INVOKE_PATH, AGENT_SPECIALIZE_PATH, CODE_PATH } from '@lamina/core';
import { eventually } from '@lamina/testkit';

import { buildWorkerImage } from './coldstart-cluster.js';
import type { BenchFunction } from './coldstart-functions.js';
import { stats, type Stats } from './coldstart-pool.js';
import { podCpu } from './coldstart-timeline.js';

/**
 * bench/coldstart's container mode (issue #15, ADR 0019): a warm-pool pod's specialisation and
 * first call without a cluster — the worker image run by Docker as a generic pod is (read-only
 * root, a tmpfs /tmp, /var/task a read-only view of the agent's task folder, uid 10001, a CPU
 * limit of MemorySize / 1,769 MB per vCPU, the stray sweep on), on the host's network so its
 * agent and this process's code server talk over loopback. Per runtime, in the same run and
 * alternating: `parked` (the image's parked runtime, as pods have it) against the baseline
 * `fresh` (LAMINA_PARKED_BOOTSTRAP empty: the runtime spawned inside the call). Each sample is a
 * new container; after it turned ready and a pause, this times the specialise request (code
 * fetched by hash, checked, unpacked), the first invoke (init included) and a warm one, and reads
 * the container's CPU counters (cgroup) around the two requests. What a cluster adds (gateway,
 * pod network, relabelling) is not in it: bench/coldstart --cluster has that.
 */
export interface ContainerBenchOptions {
  readonly root: string;
  readonly fns: readonly BenchFunction[];
  readonly samples: number;
  readonly event: string;
  readonly log: (msg: string) => void;
}

interface Sample {
  readonly specializeMs: number;
  readonly firstInvokeMs: number;
  readonly totalMs: number;
  readonly initMs?: number;
  readonly warmMs: number;
  readonly cpuMs?: number;
  readonly throttledMs?: number;
  readonly parkedTaken: boolean;
}

const run = promisify(execFile);
const docker = async (args: readonly string[]): Promise<string> =>
  (await run('docker', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
const MB_PER_VCPU = 1769;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback server of one zip at the code route's path (`<CODE_PATH>/<hex>`). */
async function codeServer(zip: Buffer, hex: string): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const found = req.url === `${CODE_PATH}/${hex}`;
    res.writeHead(found ? 200 : 404, { 'content-length': found ? zip.length : 0 });
    res.end(found ? zip : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${String(port)}`, close: () => server.close() };
}

async function sample(
  o: ContainerBenchOptions,
  fn: BenchFunction,
  image: string,
  codeUrl: string,
  hex: string,
  parked: boolean,
): Promise<Sample> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const name = `lamina-bench-cs-${String(port)}`;
  const task = mkdtempSync(join(tmpdir(), 'lamina-bench-task-'));
  const cache = mkdtempSync(join(tmpdir(), 'lamina-bench-cache-'));
  chmodSync(task, 0o777);
  chmodSync(cache, 0o777);
  const env: Record<string, string> = {
    LAMINA_WORKER_GENERIC: 'true',
    LAMINA_RUNTIME: fn.runtime,
    LAMINA_NAMESPACE: 'bench',
    LAMINA_CODE_URL: codeUrl,
    LAMINA_CODE_CACHE_DIR: '/var/lamina/code-cache',
    LAMINA_WORKER_PORT: String(port),
    LAMINA_TASK_DIR: '/var/lamina/task',
    LAMINA_TASK_VIEW: '/var/task',
    LAMINA_KILL_STRAYS: 'true',
    LAMINA_SPECIALIZED_IDLE_SECONDS: '120',
    ...(parked ? {} : { LAMINA_PARKED_BOOTSTRAP: '' }),
  };
  const cpus = (fn.memorySize / MB_PER_VCPU).toFixed(3);
  await docker([
    'run', '-d', '--rm', '--name', name, '--network', 'host', '--read-only',
    '--tmpfs', '/tmp:size=512m,mode=1777', '--cpus', cpus, '--user', '10001',
    '-v', `${task}:/var/lamina/task`, '-v', `${task}:/var/task:ro`,
    '-v', `${cache}:/var/lamina/code-cache`,
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    image,
  ]); // prettier-ignore
  const base = `http://127.0.0.1:${String(port)}`;
  const inContainer = (args: readonly string[]): Promise<string> =>
    docker(['exec', name, ...args.slice(args.indexOf('--') + 1)]);
  try {
    await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, {
      what: `${name} ready`,
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    await sleep(1000);
    const before = await podCpu(inContainer, '', name);
    await sleep(500);
    const t0 = performance.now();
    const sp = await fetch(`${base}${AGENT_SPECIALIZE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        functionName: 'bench',
        version: '$LATEST',
        runtime: fn.runtime,
        handler: fn.handler,
        memorySizeMb: fn.memorySize,
        timeoutSeconds: 30,
        ephemeralStorageMb: 512,
        environment: {},
        codeSha256Hex: hex,
      }),
    });
    await sp.text();
    if (sp.status !== 200) throw new Error(`specialise answered ${String(sp.status)}`);
    const t1 = performance.now();
    const invoke = async (tail: boolean): Promise<Response> => {
      const res = await fetch(`${base}${AGENT_INVOKE_PATH}`, {
        method: 'POST',
        headers: {
          [AGENT_HEADERS.function]: 'bench',
          [AGENT_HEADERS.version]: '$LATEST',
          [AGENT_HEADERS.requestId]: randomUUID(),
          [AGENT_HEADERS.invokedArn]: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
          ...(tail ? { [AGENT_HEADERS.logType]: 'Tail' } : {}),
        },
        body: o.event,
      });
      await res.text();
      if (res.status !== 200 || res.headers.has(AGENT_HEADERS.functionError)) {
        throw new Error(`invoke answered ${String(res.status)}`);
      }
      return res;
    };
    const first = await invoke(true);
    const t2 = performance.now();
    await invoke(false);
    const t3 = performance.now();
    const after = await podCpu(inContainer, '', name);
    const logs = await run('docker', ['logs', name]).then((r) => r.stdout + r.stderr);
    const init = first.headers.get(AGENT_HEADERS.initDurationMs);
    return {
      specializeMs: t1 - t0,
      firstInvokeMs: t2 - t1,
      totalMs: t2 - t0,
      ...(init === null ? {} : { initMs: Number(init) }),
      warmMs: t3 - t2,
      ...(before === undefined || after === undefined
        ? {}
        : {
            cpuMs: after.usageMs - before.usageMs,
            throttledMs: after.throttledMs - before.throttledMs,
          }),
      parkedTaken: logs.includes('parked runtime taken by the function'),
    };
  } finally {
    await docker(['rm', '-f', name]).catch(() => '');
    rmSync(task, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
}

function summary(samples: readonly Sample[]): Record<string, Stats | number> {
  const of = (k: keyof Sample): Stats =>
    stats(samples.flatMap((s) => (typeof s[k] === 'number' ? [s[k]] : [])));
  return {
    total: of('totalMs'),
    specialize: of('specializeMs'),
    firstInvoke: of('firstInvokeMs'),
    initDuration: of('initMs'),
    warm: of('warmMs'),
    containerCpu: of('cpuMs'),
    throttled: of('throttledMs'),
    parkedTaken: samples.filter((s) => s.parkedTaken).length,
  };
}

/** See the file comment. Per runtime: { parked, fresh, image }. */
export async function containerColdStarts(o: ContainerBenchOptions): Promise<object> {
  const out: Record<string, object> = {};
  for (const fn of o.fns) {
    const image = (await buildWorkerImage(o.root, fn.runtime)).ref;
    const hex = createHash('sha256').update(fn.zip).digest('hex');
    const code = await codeServer(fn.zip, hex);
    const parked: Sample[] = [];
    const fresh: Sample[] = [];
    try {
      for (let i = 0; i < o.samples; i += 1) {
        for (const mode of i % 2 === 0 ? ['fresh', 'parked'] : ['parked', 'fresh']) {
          const s = await sample(o, fn, image, code.url, hex, mode === 'parked');
          (mode === 'parked' ? parked : fresh).push(s);
          o.log(`${fn.runtime} ${mode} ${String(i)}: ${JSON.stringify(s)}`);
        }
      }
    } finally {
      code.close();
    }
    out[fn.runtime] = { image, parked: summary(parked), fresh: summary(fresh) };
  }
  return out;
}

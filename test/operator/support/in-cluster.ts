import { execFile, spawn } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';

import { eventually, testEnv } from '@lamina/testkit';

import { ROOT, kubectl, kubectlOk } from './cluster.js';

// What a suite needs to run the platform itself in the test cluster (charts/lamina on the node):
// the node's bridge address (pods reach the host there, test/env/README.md), a Redis and an HTTP
// listener on it, and the story of a namespace's pods when something does not come up.

/** Runs a command (no stdin); returns stdout, or throws with its stderr. */
export function runOk(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: ROOT, env: testEnv.forChild(env), maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err === null) resolve(stdout);
        else reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      },
    );
  });
}

/** The test node's InternalIP: the bridge address pods reach the host at. */
export async function nodeIp(): Promise<string> {
  const ip = await kubectlOk([
    'get',
    'node',
    testEnv.require('LAMINA_TEST_NODE'),
    '-o',
    'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}',
  ]);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip.trim())) throw new Error(`node has no InternalIP: '${ip}'`);
  return ip.trim();
}

/** A port nothing listens on at `host` right now. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export interface BridgeRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/** A throwaway redis-server bound to `host` only (no persistence), for pods on the node. */
export async function startRedis(host: string): Promise<BridgeRedis> {
  const port = await freePort(host);
  const child = spawn(
    'redis-server',
    // Bound to the bridge only, so protected mode (loopback clients only) is not needed.
    ['--bind', host, '--port', String(port), '--protected-mode', 'no', '--save', ''],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
        const pong = await runOk('redis-cli', ['-h', host, '-p', String(port), 'ping']).catch(
          () => '',
        );
        return pong.trim() === 'PONG' ? true : undefined;
      },
      { what: `redis-server on ${host}:${String(port)}`, timeoutMs: 15_000, intervalMs: 100 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://${host}:${String(port)}`, stop };
}

export interface Callbacks {
  /** Where pods POST to. */
  readonly url: string;
  /** JSON bodies received so far. */
  readonly received: unknown[];
  stop(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += (chunk as Buffer).toString();
  return body;
}

/** An HTTP listener on `host` that records every JSON body POSTed to it. */
export async function startCallbacks(host: string): Promise<Callbacks> {
  const received: unknown[] = [];
  const server = createHttpServer((req, res) => {
    void bodyOf(req).then((body) => {
      received.push(JSON.parse(body) as unknown);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://${host}:${String(port)}/`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Pods, their descriptions, recent logs and the namespace's events: for failure messages. */
export async function diagnose(ns: string): Promise<string> {
  const parts = [
    (await kubectl(['get', 'deployments,pods', '-n', ns, '-o', 'wide'])).stdout,
    (await kubectl(['describe', 'pods', '-n', ns])).stdout,
  ];
  const pods = (await kubectl(['get', 'pods', '-n', ns, '-o', 'name'])).stdout;
  for (const pod of pods.split('\n').filter((p) => p !== '')) {
    const r = await kubectl(['logs', '-n', ns, pod, '--all-containers', '--tail=40']);
    parts.push(`--- logs of ${pod}\n${r.stdout}${r.stderr}`);
  }
  const events = await kubectl(['get', 'events', '-n', ns, '--sort-by=.lastTimestamp']);
  parts.push(`--- events\n${events.stdout}`);
  // A container that stopped shows as restarted only after the kubelet's next look: read the
  // states now and 5 s later, and the previous containers' logs (how a process ended: an OOM
  // kill, a crash's stack, or nothing at all).
  parts.push(`--- container states\n${await containerStates(ns)}`);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  parts.push(`--- container states 5 s later\n${await containerStates(ns)}`);
  for (const pod of pods.split('\n').filter((p) => p !== '')) {
    const r = await kubectl(['logs', '-n', ns, pod, '--all-containers', '--previous', '--tail=80']);
    if (r.stdout !== '') parts.push(`--- previous logs of ${pod}\n${r.stdout}`);
  }
  return parts.join('\n');
}

interface PodStates {
  items: {
    metadata: { name: string };
    status?: {
      phase?: string;
      reason?: string;
      message?: string;
      containerStatuses?: {
        name: string;
        restartCount: number;
        state?: object;
        lastState?: object;
      }[];
    };
  }[];
}

/** Each container's restart count, state and lastState (reason, exit code, times). */
async function containerStates(ns: string): Promise<string> {
  const r = await kubectl(['get', 'pods', '-n', ns, '-o', 'json']);
  if (r.stdout === '') return r.stderr;
  const { items } = JSON.parse(r.stdout) as PodStates;
  // An evicted pod (the node short of memory or disk) is Failed with reason Evicted and keeps
  // restartCount 0: its replacement is another pod. The node's pressure conditions say why.
  const nodes = await kubectl([
    'get',
    'nodes',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}{": "}{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}{"\\n"}{end}',
  ]);
  return [`nodes (conditions True): ${nodes.stdout.trim()}`]
    .concat(
      items.map(
        (p) =>
          `${p.metadata.name} phase=${p.status?.phase ?? '?'}${p.status?.reason === undefined ? '' : ` reason=${p.status.reason}: ${p.status.message ?? ''}`}`,
      ),
    )
    .concat(
      items.flatMap((p) =>
        (p.status?.containerStatuses ?? []).map(
          (c) =>
            `${p.metadata.name}/${c.name} restarts=${String(c.restartCount)} state=${JSON.stringify(c.state ?? {})} lastState=${JSON.stringify(c.lastState ?? {})}`,
        ),
      ),
    )
    .join('\n');
}

/** Runs `step`; when it throws, the error carries `diagnose(ns)`. */
export async function orDiagnose<T>(ns: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const story = await diagnose(ns).catch((e: unknown) => `(diagnose failed: ${String(e)})`);
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n\n${story}`, {
      cause: err,
    });
  }
}

/** Helm from test/operator/tools/install-helm.sh (cached after the first run). */
export async function helmPath(): Promise<string> {
  return (await runOk(join(ROOT, 'test/operator/tools/install-helm.sh'), [])).trim();
}

/**
 * Builds the platform images (images/build.sh; unchanged ones are kept) and loads them into the
 * node. Returns the references.
 */
export async function platformImages(tag: string): Promise<string[]> {
  const out = await runOk(join(ROOT, 'images/build.sh'), [], { LAMINA_IMAGE_TAG: tag });
  const refs = out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (refs.length !== 4) throw new Error(`images/build.sh printed ${refs.join(', ')}`);
  await runOk(testEnv.require('LAMINA_TEST_LOAD_IMAGE'), refs);
  return refs;
}

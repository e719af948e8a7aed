import { execFile, type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';

import { testEnv } from '@lamina/testkit';

const execFileP = promisify(execFile);

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end without throwing on a non-zero exit. */
export async function run(
  cmd: string,
  args: readonly string[],
  env?: Readonly<Record<string, string | undefined>>,
): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileP(cmd, [...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      ...(env === undefined ? {} : { env: testEnv.forChild(env) }),
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(err),
    };
  }
}

export const docker = (args: readonly string[]): Promise<Run> => run('docker', args);

/** `docker <args>` that must succeed; its trimmed stdout. */
export async function dockerOk(args: readonly string[]): Promise<string> {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return r.stdout.trim();
}

/**
 * The default bridge's gateway address (docker0, 172.17.0.1 by default): the host as containers
 * see it. Node.js lists only interfaces that are up and running, and docker0 with no container
 * attached is down (NO-CARRIER); a dockerd started for the first time on a new machine (Debian's
 * 20.10) also leaves `.IPAM.Config[0].Gateway` empty. So the kernel is asked (`ip`), then
 * Node.js, then dockerd; an empty bind address made redis-server exit.
 */
export async function bridgeGateway(): Promise<string> {
  const shown = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'docker0']);
  const kernel = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(shown.stdout)?.[1];
  if (kernel !== undefined) return kernel;
  const own = networkInterfaces()['docker0']?.find((a) => a.family === 'IPv4')?.address;
  if (own !== undefined) return own;
  const inspected = await dockerOk([
    'network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}',
  ]); // prettier-ignore
  if (inspected === '') throw new Error('the docker bridge has no gateway address');
  return inspected;
}

/** A port nobody listens on at `host` right now. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** A throwaway redis-server of our own on `host` (the bridge address, so containers reach it). */
export async function startRedis(host: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort(host);
  const child: ChildProcess = spawn(
    'redis-server',
    ['--bind', host, '--port', String(port), '--save', '', '--appendonly', 'no',
      '--protected-mode', 'no'], // prettier-ignore
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`redis-server not ready:\n${out}`));
    }, 10_000);
    child.stdout?.on('data', () => {
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${String(code)}):\n${out}`));
    });
  });
  return {
    url: `redis://${host}:${port}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A TCP forwarder on `host` (the bridge address) to a loopback endpoint, so a container reaches
 * a service of the test env that binds 127.0.0.1 only (the API server).
 */
export function forward(
  host: string,
  target: { host: string; port: number },
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((down) => {
    const up = connect(target.port, target.host);
    for (const s of [down, up]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {
        down.destroy();
        up.destroy();
      });
    }
    down.pipe(up).pipe(down);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr !== null ? addr.port : 0,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => {
              r();
            });
          }),
      });
    });
  });
}

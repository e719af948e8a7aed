import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A throwaway redis-server that `lamina dev` starts for itself and stops by pid. */
export interface PrivateRedis {
  readonly url: string;
  stop(): Promise<void>;
}

export const REDIS_HINT =
  'lamina dev needs Redis: set REDIS_URL=redis://host:port, or install redis-server (apt-get install -y redis-server) and lamina starts a private one.';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('no port'));
      });
    });
  });
}

export function hasRedisServer(binary = 'redis-server'): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function startPrivateRedis(
  dir: string,
  binary = 'redis-server',
): Promise<PrivateRedis> {
  if (!hasRedisServer(binary)) throw new Error(REDIS_HINT);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const pidfile = join(dir, 'redis.pid');
  rmSync(pidfile, { force: true });
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--pidfile',
      pidfile,
    ],
    // Its own process group: a terminal's Ctrl-C (SIGINT to the foreground group) reaches only
    // lamina dev, which stops this server last, after the dispatcher and poller are done with it.
    { stdio: 'ignore', detached: true },
  );
  const state = { exited: false };
  const running = (): boolean => !state.exited;
  child.once('exit', () => {
    state.exited = true;
  });
  for (let i = 0; i < 100 && !state.exited; i++) {
    try {
      if (Number(readFileSync(pidfile, 'utf8')) === child.pid) break;
    } catch {
      // not written yet
    }
    await sleep(50);
  }
  if (state.exited) throw new Error(`redis-server exited at start (port ${port}). ${REDIS_HINT}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (!running()) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([done, sleep(3000)]);
      if (running()) child.kill('SIGKILL');
    },
  };
}

/**
 * `lamina dev` stopped as a user stops it: Ctrl-C in its terminal, which sends SIGINT to the
 * whole foreground process group. With no REDIS_URL it runs a private redis-server; that server
 * must not die of the same Ctrl-C before the dispatcher and poller have stopped with it (they
 * would wait on it for ever): the process exits 0 and leaves no redis-server behind. Nor may the
 * environments die of it under lamina dev (each runs in a process group of its own and is
 * stopped by the platform): the pool would report them failed and start them again while stopping.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';
import { devEnv, eventually, LAMINA_CLI, privateRedisOf } from '@lamina/testkit';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const EXAMPLES = fileURLToPath(new URL('../../examples/functions', import.meta.url));

describe('lamina dev and Ctrl-C', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'lamina-signals-'));
  afterAll(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** Starts `lamina dev` in a process group of its own, as a shell gives a foreground job. */
  async function startDev(): Promise<{
    child: ChildProcess;
    url: string;
    output: () => string;
    exited: Promise<number | null>;
  }> {
    const env: Record<string, string | undefined> = { ...process.env, ...devEnv(stateDir) };
    delete env['REDIS_URL'];
    const child = spawn(process.execPath, [LAMINA_CLI, 'dev', '--functions', EXAMPLES], {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await eventually(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(out), {
      what: 'lamina dev to listen',
      timeoutMs: 60_000,
    });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
    return { child, url, output: () => out, exited };
  }

  it('SIGINT to its process group stops it cleanly, environments in order, its private Redis last', async () => {
    const dev = await startDev();
    try {
      // An environment of a function, beside the parked generic ones.
      const answer = await fetch(`${dev.url}/2015-03-31/functions/hello/invocations`, {
        method: 'POST',
        body: '{}',
      });
      expect(answer.status).toBe(200);
      const redisPid = privateRedisOf(stateDir).pid;
      expect(alive(redisPid)).toBe(true);
      const group = dev.child.pid;
      if (group === undefined) throw new Error('lamina dev has no pid');
      process.kill(-group, 'SIGINT'); // what the terminal does on Ctrl-C
      expect(await dev.exited, dev.output()).toBe(0);
      await eventually(() => !alive(redisPid), {
        what: 'the private redis-server to exit',
        timeoutMs: 10_000,
      });
      expect(dev.output()).not.toContain('ECONNREFUSED');
      // The environments are the platform's to stop: Ctrl-C does not reach them, so none is
      // reported as failed (and restarted) while lamina dev stops.
      expect(dev.output()).not.toContain('generic runtime failed');
    } finally {
      if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    }
  }, 120_000);

  it('a repeated SIGTERM does not cut its stop short (a second SIGINT would)', async () => {
    const dev = await startDev();
    try {
      const redisPid = privateRedisOf(stateDir).pid;
      dev.child.kill('SIGTERM');
      // Once it is stopping, again — as a supervisor that retries a stop sends it.
      await eventually(() => dev.output().includes('lamina dev stopping (SIGTERM)'), {
        what: 'lamina dev to start stopping',
        timeoutMs: 10_000,
      });
      dev.child.kill('SIGTERM');
      expect(await dev.exited, dev.output()).toBe(0);
      expect(dev.output()).toContain('SIGTERM again: still draining');
      await eventually(() => !alive(redisPid), {
        what: 'the private redis-server to exit',
        timeoutMs: 10_000,
      });
    } finally {
      if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    }
  }, 120_000);
});

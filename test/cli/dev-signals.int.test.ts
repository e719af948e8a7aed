/**
 * `lamina dev` stopped as a user stops it: Ctrl-C in its terminal, which sends SIGINT to the
 * whole foreground process group. With no REDIS_URL it runs a private redis-server; that server
 * must not die of the same Ctrl-C before the dispatcher and poller have stopped with it (they
 * would wait on it for ever): the process exits 0 and leaves no redis-server behind. Nor may the
 * environments die of it under lamina dev (each runs in a process group of its own and is
 * stopped by the platform): the pool would report them failed and start them again while stopping.
 */
import { spawn } from 'node:child_process';
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

  it('SIGINT to its process group stops it cleanly, environments in order, its private Redis last', async () => {
    const env: Record<string, string | undefined> = { ...process.env, ...devEnv(stateDir) };
    delete env['REDIS_URL'];
    // Its own process group, as a shell gives a foreground job.
    const child = spawn(process.execPath, [LAMINA_CLI, 'dev', '--functions', EXAMPLES], {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await eventually(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(out), {
        what: 'lamina dev to listen',
        timeoutMs: 60_000,
      });
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
      // An environment of a function, beside the parked generic ones.
      const answer = await fetch(`${url}/2015-03-31/functions/hello/invocations`, {
        method: 'POST',
        body: '{}',
      });
      expect(answer.status).toBe(200);
      const redisPid = privateRedisOf(stateDir).pid;
      expect(alive(redisPid)).toBe(true);
      const group = child.pid;
      if (group === undefined) throw new Error('lamina dev has no pid');
      process.kill(-group, 'SIGINT'); // what the terminal does on Ctrl-C
      expect(await exited, out).toBe(0);
      await eventually(() => !alive(redisPid), {
        what: 'the private redis-server to exit',
        timeoutMs: 10_000,
      });
      expect(out).not.toContain('ECONNREFUSED');
      // The environments are the platform's to stop: Ctrl-C does not reach them, so none is
      // reported as failed (and restarted) while lamina dev stops.
      expect(out).not.toContain('generic runtime failed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});

import { describe, expect, it } from 'vitest';

import { spawnWatched } from './watched-process.js';

const node = (script: string, env: Record<string, string | undefined> = {}) =>
  spawnWatched(['-e', script], env);

describe('spawnWatched', () => {
  it('waits for the ready line, keeps the output and passes the environment', async () => {
    const p = node(
      `console.error('booting'); setTimeout(() => console.log('listening on ' + process.env.WHERE), 50);
       setInterval(() => {}, 1000);`,
      { WHERE: 'port 7' },
    );
    try {
      const m = await p.ready(/listening on port (\d+)/, 'fake', 5000);
      expect(m[1]).toBe('7');
      expect(p.logs()).toContain('booting');
    } finally {
      await p.kill('SIGTERM', 5000);
    }
  });

  it('rejects with the output when the process exits before it is ready', async () => {
    const p = node(`console.log('config: LAMINA_PORT is not a number'); process.exit(1);`);
    await expect(p.ready(/listening/, 'fake', 5000)).rejects.toThrow(
      /^fake exited \(1\):\nconfig: LAMINA_PORT is not a number/,
    );
  });

  it('rejects when the ready line does not come in time', async () => {
    const p = node(`setInterval(() => {}, 1000);`);
    try {
      await expect(p.ready(/listening/, 'fake', 100)).rejects.toThrow(
        /^fake not ready after 100 ms/,
      );
    } finally {
      await p.kill('SIGKILL', 0);
    }
  });

  it('escalates to SIGKILL when the signal does not end it, and resolves on exit', async () => {
    const p = node(
      `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up');
       setInterval(() => {}, 1000);`,
    );
    await p.ready(/up/, 'stubborn', 5000);
    const started = Date.now();
    await p.kill('SIGTERM', 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(p.logs()).toContain('ignoring SIGTERM');
    await p.kill('SIGTERM', 200); // already gone: returns at once
  });
});

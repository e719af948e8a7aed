import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { getPriority } from 'node:os';
import { eventually } from '@lamina/testkit';
import { describe, expect, it } from 'vitest';

import { RuntimeProcess } from '../runtime-process.js';
import {
  endWithParentLauncher,
  PlainPlacements,
  POD_RUNTIME_NICENESS,
} from './runtime-placement.js';

/** Runs `command` as a runtime of `placements`; resolves with its output lines once it exits. */
async function runPlaced(placements: PlainPlacements, command: string[]): Promise<string[]> {
  const placement = await placements.place({ command, runtimePaths: [], tmpSizeMb: 512 });
  const lines: string[] = [];
  try {
    await new Promise<void>((resolve) => {
      new RuntimeProcess({
        command: placement.command,
        cwd: placement.cwd,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
        onLine: (line) => lines.push(line),
        onGone: () => {
          resolve();
        },
        ...(placement.niceness === undefined ? {} : { niceness: placement.niceness }),
      });
    });
  } finally {
    await placement.release();
  }
  return lines;
}

// Field 19 of /proc/<pid>/stat is the nice value; the shell's child reads it of itself.
const NICE_OF_A_CHILD = ['/bin/sh', '-c', 'sleep 0.2; sh -c "cut -d\\" \\" -f19 /proc/self/stat"'];

describe('PlainPlacements', () => {
  it("a worker pod's runtime, and what it starts later, run at the lowest priority", async () => {
    const pod = new PlainPlacements(undefined, 1024, POD_RUNTIME_NICENESS);
    expect(await runPlaced(pod, NICE_OF_A_CHILD)).toEqual([String(POD_RUNTIME_NICENESS)]);
  });

  it("without a niceness the runtime keeps the spawner's", async () => {
    const own = String(getPriority());
    expect(await runPlaced(new PlainPlacements(), NICE_OF_A_CHILD)).toEqual([own]);
  });

  it('lowers the open files limit through the shell', async () => {
    const pod = new PlainPlacements(undefined, 1024, POD_RUNTIME_NICENESS);
    expect(await runPlaced(pod, ['/bin/sh', '-c', 'ulimit -n'])).toEqual(['1024']);
  });

  it('starts through its launcher, except a command that cannot start (its ENOENT stays)', async () => {
    const dev = new PlainPlacements(undefined, undefined, undefined, ['/usr/bin/env']);
    const runs = await dev.place({ command: ['node', 'x.js'], runtimePaths: [], tmpSizeMb: 1 });
    const missing = await dev.place({ command: ['./bootstrap'], runtimePaths: [], tmpSizeMb: 1 });
    expect([runs.command, missing.command]).toEqual([
      ['/usr/bin/env', 'node', 'x.js'],
      ['./bootstrap'],
    ]);
    await Promise.all([runs.release(), missing.release()]);
  });

  it.runIf(endWithParentLauncher().length > 0)(
    'endWithParentLauncher: a detached runtime ends when lamina dev is killed outright',
    async () => {
      // A parent that spawns `sleep` as RuntimeProcess does (own process group), then is SIGKILLed.
      const script = `const c = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { detached: true, stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`;
      const parent = spawn(
        process.execPath,
        ['-e', script, ...endWithParentLauncher(), 'sleep', '60'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const [chunk] = (await once(parent.stdout, 'data')) as [Buffer];
      const pid = Number(chunk.toString().trim());
      const alive = (): boolean => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      expect(alive()).toBe(true);
      parent.kill('SIGKILL');
      await eventually(() => !alive(), {
        what: 'the runtime gone with its parent',
        timeoutMs: 5000,
      });
    },
  );
});

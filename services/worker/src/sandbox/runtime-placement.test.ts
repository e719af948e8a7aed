import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';

import { RuntimeProcess } from '../runtime-process.js';
import { PlainPlacements, POD_RUNTIME_NICENESS } from './runtime-placement.js';

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
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import type { ExitHow } from '../function-errors.js';
import { exitError } from '../function-errors.js';
import { ExternalRuntime } from './external-runtime.js';

/** A fake /proc: pid → its cgroup file. */
function proc(dir: string, pids: Record<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [pid, cgroup] of Object.entries(pids)) {
    mkdirSync(path.join(dir, pid), { recursive: true });
    writeFileSync(path.join(dir, pid, 'cgroup'), cgroup);
  }
}

describe("an image function's container, watched from the agent", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reports the end once the function container had processes and has none', () => {
    const base = mkdtempSync(path.join(tmpdir(), 'fake-proc-'));
    dirs.push(base);
    const procDir = path.join(base, 'proc');
    const agent = '0::/pod/agent\n';
    // Only the pause process, the agent and a postStart hook in the agent's cgroup: nothing yet.
    proc(procDir, { '1': '0::/pod\n', '7': agent, '9': agent });
    const ends: ExitHow[] = [];
    let resets = 0;
    const runtime = new ExternalRuntime(
      () => resets++,
      (how) => ends.push(how),
      { procDir, selfPid: 7, intervalMs: 60_000 },
    );
    const watch = (runtime as unknown as { watch: { check(): void } }).watch;
    watch.check();
    expect(ends).toEqual([]);
    proc(procDir, { '1': '0::/pod\n', '7': agent, '20': '0::/pod/function\n' });
    watch.check();
    expect(ends).toEqual([]);
    proc(procDir, { '1': '0::/pod\n', '7': agent });
    watch.check();
    watch.check();
    expect(ends).toEqual([{}]);
    expect(runtime.exit).toEqual({});
    expect(resets).toBe(0);
    // An unknown exit status reads as Lambda's exit without a reason.
    expect(JSON.parse(exitError('r1', {}).payload.toString())).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: 'RequestId: r1 Error: Runtime exited without providing a reason',
    });
  });

  it('says nothing after it was killed (a reset is not a crash)', () => {
    const base = mkdtempSync(path.join(tmpdir(), 'fake-proc-'));
    dirs.push(base);
    const procDir = path.join(base, 'proc');
    proc(procDir, { '1': 'p', '7': 'a', '20': 'f' });
    const ends: ExitHow[] = [];
    let resets = 0;
    const runtime = new ExternalRuntime(
      () => resets++,
      (how) => ends.push(how),
      { procDir, selfPid: 7, intervalMs: 60_000 },
    );
    const watch = (runtime as unknown as { watch: { check(): void } }).watch;
    watch.check();
    runtime.kill();
    runtime.kill();
    proc(procDir, { '1': 'p', '7': 'a' });
    watch.check();
    expect(ends).toEqual([]);
    expect(resets).toBe(1);
  });
});

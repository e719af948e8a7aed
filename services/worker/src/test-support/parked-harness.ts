/**
 * The shared setup of the parked-runtime tests (ADR 0019): a code folder per test, a parked
 * runtime booted from a command, and an execution environment that takes it, all cleaned up after
 * each test. Call inside a `describe` body (it registers an `afterEach`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '@lamina/testkit';
import { afterEach, expect } from 'vitest';

import { ExecutionEnvironment } from '../execution-environment.js';
import { ParkedRuntime } from '../agent/parked-runtime.js';
import { quietLogger, type makeFn } from './fixtures.js';

export interface ParkedHarnessOptions {
  /** The parked bootstrap and its arguments. */
  readonly command: readonly string[];
  readonly runtimeDir: string;
  /** The handler file a code folder gets (`index.js`, `app.py`). */
  readonly fileName: string;
}

export function parkedHarness(o: ParkedHarnessOptions) {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A folder holding the handler file with `source`, removed after the test. */
  function codeDir(source: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'lamina-parked-'));
    writeFileSync(path.join(dir, o.fileName), source);
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    return dir;
  }

  /** A runtime booted and parked on its specialization request. */
  async function parkedRuntime(): Promise<ParkedRuntime> {
    const parked = new ParkedRuntime({
      command: o.command,
      runtimeDir: o.runtimeDir,
      baseEnv: {},
      logger: quietLogger,
    });
    cleanups.push(() => parked.stop());
    expect(parked.settled).toBe(false);
    parked.start();
    await eventually(() => parked.parked, { timeoutMs: 15_000 });
    return parked;
  }

  /** An environment of `fn` on the parked runtime (which must take it). */
  function environment(parked: ParkedRuntime, fn: ReturnType<typeof makeFn>): ExecutionEnvironment {
    const generic = parked.take(fn);
    expect(generic).toBeDefined();
    const env = new ExecutionEnvironment({
      fn,
      command: ['/nonexistent/bootstrap'],
      runtimeDir: o.runtimeDir,
      logger: quietLogger,
      ...(generic === undefined ? {} : { generic }),
    });
    cleanups.push(() => env.stop());
    return env;
  }

  return { cleanups, codeDir, parkedRuntime, environment };
}

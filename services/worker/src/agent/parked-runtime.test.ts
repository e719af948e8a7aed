/**
 * A generic pod's parked runtime (ADR 0019, cluster mode) with the worker image's parked start of
 * the official Node.js RIC (runtimes/images/nodejs-parked.mjs), against the RIC that
 * runtimes/provided/setup-nodejs-ric.sh installs (skipped without it): the handler sees a fresh
 * runtime's environment and task root, the call reports Init Duration, init errors are the
 * RIC's, and a function with a start-time variable never gets the parked runtime.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, testEnv } from '@lamina/testkit';
import { describe, expect, it } from 'vitest';

import { ExecutionEnvironment } from '../execution-environment.js';
import { isAlive, makeFn, makeInvocation, parse, quietLogger } from '../test-support/fixtures.js';
import { parkedHarness } from '../test-support/parked-harness.js';
import { ParkedRuntime } from './parked-runtime.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const shim = path.join(repo, 'runtimes/images/nodejs-parked.mjs');
const ric = path.join(testEnv.cacheDir(), 'runtimes/nodejs-ric/aws-lambda-ric-4.0.2/index.mjs');
const HANDLER = `exports.handler = async () => ({
  cwd: process.cwd(),
  fn: process.env.AWS_LAMBDA_FUNCTION_NAME,
  mine: process.env.MINE,
  generic: process.env.LAMINA_GENERIC_ENVIRONMENT ?? null,
  handler: process.env._HANDLER,
  argv: process.argv.slice(2),
});
`;

describe.skipIf(!existsSync(ric))('ParkedRuntime with the official Node.js RIC', () => {
  const { cleanups, codeDir, parkedRuntime, environment } = parkedHarness({
    command: [process.execPath, shim, ric],
    runtimeDir: path.dirname(ric),
    fileName: 'index.js',
  });

  it('becomes the function: its environment, task root and handler; Init Duration reported', async () => {
    const parked = await parkedRuntime();
    const dir = codeDir(HANDLER);
    const fn = makeFn({ handler: 'index.handler', codeDir: dir, environment: { MINE: 'yes' } });
    const env = environment(parked, fn);
    await env.start();
    const r = await env.invoke(makeInvocation({}));
    expect(r.functionError).toBeUndefined();
    expect(parse(r.payload)).toEqual({
      cwd: dir,
      fn: fn.name,
      mine: 'yes',
      generic: null,
      handler: 'index.handler',
      argv: ['index.handler'],
    });
    expect(r.coldStart).toBe(true);
    expect(r.initDurationMs).toBeGreaterThan(0);
    // Taken once: the next environment of this pod spawns fresh.
    expect(parked.take(fn)).toBeUndefined();
  });

  it("reports an init failure as the RIC's own error, as a fresh spawn does", async () => {
    const parked = await parkedRuntime();
    const fn = makeFn({ handler: 'index.handler', codeDir: codeDir("throw new Error('boom');\n") });
    const env = environment(parked, fn);
    await env.start();
    const r = await env.invoke(makeInvocation({}));
    const fresh = new ExecutionEnvironment({
      fn,
      command: [process.execPath, ric, fn.handler],
      logger: quietLogger,
    });
    cleanups.push(() => fresh.stop());
    await fresh.start();
    const f = await fresh.invoke(makeInvocation({}));
    expect(r.functionError).toBe('Unhandled');
    expect([r.functionError, r.errorType]).toEqual([f.functionError, f.errorType]);
    // The same error; only the stack's last Node.js-internal frame differs (a dynamic import).
    const body = (b: Buffer): unknown => {
      const { errorType, errorMessage } = parse(b) as Record<string, unknown>;
      return { errorType, errorMessage };
    };
    expect(body(r.payload)).toEqual(body(f.payload));
    expect(body(r.payload)).toEqual({ errorType: 'Error', errorMessage: 'boom' });
  });

  it('is not given to a function that changes a start-time variable, and then stops', async () => {
    const parked = await parkedRuntime();
    const fn = makeFn({
      handler: 'index.handler',
      codeDir: codeDir(HANDLER),
      environment: { NODE_OPTIONS: '--max-old-space-size=100' },
    });
    expect(parked.take(fn)).toBeUndefined();
    expect(parked.settled).toBe(true);
    expect(parked.parked).toBe(false);
  });

  it('settles without a runtime when its bootstrap fails, so the pod spawns fresh', async () => {
    const parked = new ParkedRuntime({
      command: [process.execPath, '-e', 'process.exit(3)'],
      runtimeDir: '/var/runtime',
      baseEnv: {},
      logger: quietLogger,
    });
    cleanups.push(() => parked.stop());
    parked.start();
    await eventually(() => parked.settled, { timeoutMs: 10_000 });
    expect(parked.take(makeFn())).toBeUndefined();
  });
});

describe('ParkedRuntime', () => {
  it('stops an untaken runtime', async () => {
    const parked = new ParkedRuntime({
      command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
      runtimeDir: '/var/runtime',
      baseEnv: {},
      logger: quietLogger,
      bootTimeoutMs: 60_000,
    });
    parked.start();
    await eventually(() => (parkedPid(parked) ?? 0) > 0);
    const pid = parkedPid(parked) ?? 0;
    await parked.stop();
    await eventually(() => !isAlive(pid));
    expect(parked.settled).toBe(true);
  });
});

function parkedPid(p: ParkedRuntime): number | undefined {
  return (p as unknown as { runtime: { process?: { pid?: number } } }).runtime.process?.pid;
}

/**
 * A generic pod's parked runtime with the Python worker image's parked start of the official
 * awslambdaric (runtimes/images/python-parked.py), against the client that runtimes/python/setup.sh
 * installs into a venv (skipped without it): the handler sees a fresh runtime's environment,
 * working folder, sys.path and argv, the call reports Init Duration, init errors are the RIC's
 * own, and a function with a changed PYTHON* variable never gets the parked runtime.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testEnv } from '@lamina/testkit';
import { describe, expect, it } from 'vitest';

import { ExecutionEnvironment } from '../execution-environment.js';
import { makeFn, makeInvocation, parse, quietLogger } from '../test-support/fixtures.js';
import { parkedHarness } from '../test-support/parked-harness.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const shim = path.join(repo, 'runtimes/images/python-parked.py');
const python = path.join(testEnv.cacheDir(), 'runtimes/python3.11/awslambdaric-4.2.2/bin/python');
const HANDLER = `import os, sys
import awslambdaric.bootstrap as b

def handler(event, context):
    return {
        "cwd": os.getcwd(),
        "path0": sys.path[0],
        "fn": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        "mine": os.environ.get("MINE"),
        "generic": os.environ.get("LAMINA_GENERIC_ENVIRONMENT"),
        "argv": sys.argv[1:],
        "main": sys.modules["__main__"].__spec__.name,
        "logFormat": b._AWS_LAMBDA_LOG_FORMAT,
    }
`;

describe.skipIf(!existsSync(python))('ParkedRuntime with the official Python RIC', () => {
  const { cleanups, codeDir, parkedRuntime, environment } = parkedHarness({
    command: [python, shim],
    runtimeDir: path.dirname(python),
    fileName: 'app.py',
  });

  const fnOf = (dir: string, environment: Record<string, string> = {}) =>
    makeFn({ runtime: 'python3.11', handler: 'app.handler', codeDir: dir, environment });

  async function fresh(fn: ReturnType<typeof makeFn>) {
    const env = new ExecutionEnvironment({
      fn,
      command: [python, '-m', 'awslambdaric', fn.handler],
      logger: quietLogger,
    });
    cleanups.push(() => env.stop());
    await env.start();
    return env.invoke(makeInvocation({}));
  }

  it('becomes the function as a fresh `python3 -m awslambdaric` would; Init Duration reported', async () => {
    const parked = await parkedRuntime();
    const dir = codeDir(HANDLER);
    const fn = fnOf(dir, { MINE: 'yes', AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    const env = environment(parked, fn);
    await env.start();
    const r = await env.invoke(makeInvocation({}));
    expect(r.functionError).toBeUndefined();
    const got = parse(r.payload);
    expect(got).toEqual(parse((await fresh(fn)).payload));
    expect(got).toMatchObject({
      cwd: dir,
      path0: dir,
      fn: fn.name,
      mine: 'yes',
      generic: null,
      argv: ['app.handler'],
      main: 'awslambdaric.__main__',
      // LogFormat.JSON (TEXT is 1): the RIC read the function's variable when imported.
      logFormat: 0,
    });
    expect(r.coldStart).toBe(true);
    expect(r.initDurationMs).toBeGreaterThan(0);
    expect(parked.take(fn)).toBeUndefined();
  });

  it("reports an init failure as the RIC's own error, as a fresh spawn does", async () => {
    const parked = await parkedRuntime();
    const fn = fnOf(codeDir("raise ValueError('boom')\n"));
    const env = environment(parked, fn);
    await env.start();
    const r = await env.invoke(makeInvocation({}));
    const f = await fresh(fn);
    expect(r.functionError).toBe('Unhandled');
    expect([r.functionError, r.errorType]).toEqual([f.functionError, f.errorType]);
    const body = (b: Buffer): unknown => {
      const { errorType, errorMessage } = parse(b) as Record<string, unknown>;
      return { errorType, errorMessage };
    };
    expect(body(r.payload)).toEqual(body(f.payload));
  });

  it('is not given to a function that changes a PYTHON* variable, and then stops', async () => {
    const parked = await parkedRuntime();
    const fn = fnOf(codeDir(HANDLER), { PYTHONHASHSEED: '7' });
    expect(parked.take(fn)).toBeUndefined();
    expect(parked.settled).toBe(true);
    expect(parked.parked).toBe(false);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FunctionVersionConfig, Invocation } from '@lamina/core';
import { ProcessPool } from '@lamina/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '@lamina/testkit';

import {
  functionsDir,
  javaRicLib,
  JDK17,
  root,
  runCommand,
  setupRuntimes,
} from './support/runtime-support.js';

// Container-image functions: runtime images built locally by runtimes/images/build.sh from the
// Debian base, a function image FROM each (code in /var/task, handler in CMD), run unchanged
// with `docker run` against an environment's Runtime API served by the worker. Local mode's
// process pool starts `docker run` as the environment's runtime process; the official client
// in the container talks to 127.0.0.1 (host network).

const base = testEnv.optional('LAMINA_BASE_IMAGE') ?? 'lamina/base:bookworm-r1';
const docker = (args: string[]): ReturnType<typeof spawnSync> =>
  spawnSync('docker', args, { encoding: 'utf8' });
const haveDocker = docker(['info']).status === 0 && docker(['image', 'inspect', base]).status === 0;

const run = randomUUID().slice(0, 8);
const label = `dev.lamina.test=images-${run}`;
/** Variables of the environment the container gets (the rest comes from the image). */
const PASSED = [
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
];

interface ImageCase {
  readonly runtime: string;
  readonly files: (dir: string) => void;
  readonly handler: string;
  readonly errorType: string;
}

const CASES: readonly ImageCase[] = [
  {
    runtime: 'python3.11',
    files: (dir) => {
      copyFileSync(join(functionsDir, 'python/app.py'), join(dir, 'app.py'));
    },
    handler: 'app.handler',
    errorType: 'ValueError',
  },
  {
    runtime: 'nodejs22.x',
    files: (dir) => {
      copyFileSync(join(functionsDir, 'nodejs/index.js'), join(dir, 'index.js'));
    },
    handler: 'index.handler',
    errorType: 'Error',
  },
  {
    runtime: 'java17',
    files: (dir) => {
      const lib = javaRicLib();
      execFileSync(join(JDK17, 'bin/javac'), [
        '--release',
        '17',
        '-cp',
        `${lib}/*`,
        '-d',
        dir,
        join(functionsDir, 'java/conformance/Handler.java'),
      ]);
    },
    handler: 'conformance.Handler::handleRequest',
    errorType: 'java.lang.RuntimeException',
  },
];

describe.skipIf(!haveDocker)('container-image functions', () => {
  const images = new Map<string, string>();
  const codeDir = mkdtempSync(join(tmpdir(), 'lamina-image-fn-'));
  let pool: ProcessPool;

  beforeAll(async () => {
    await setupRuntimes('python', 'java', 'nodejs-ric');
    const tags = (
      await runCommand(
        join(root, 'runtimes/images/build.sh'),
        // In CASES' order: build.sh prints one tag per runtime, in the order it was asked.
        CASES.map((c) => c.runtime),
        testEnv.forChild({ LAMINA_BASE_IMAGE: base }),
      )
    )
      .trim()
      .split('\n');
    const runtimes: Record<string, { command: string[] }> = {};
    for (const [i, c] of CASES.entries()) {
      const ctx = mkdtempSync(join(tmpdir(), 'lamina-image-ctx-'));
      try {
        c.files(ctx);
        writeFileSync(
          join(ctx, 'Dockerfile'),
          `FROM ${tags[i] ?? ''}\nCOPY . /var/task/\nCMD ["${c.handler}"]\n`,
        );
        const tag = `lamina-test/fn-${c.runtime.replace(/\W/g, '')}:${run}`;
        execFileSync('docker', ['build', '-q', '--label', label, '-t', tag, ctx], {
          stdio: 'ignore',
        });
        images.set(c.runtime, tag);
        runtimes[c.runtime] = {
          command: [
            'docker',
            'run',
            '--rm',
            '--network=host',
            '--label',
            label,
            '--memory=256m',
            ...PASSED.flatMap((n) => ['-e', n]),
            tag,
          ],
        };
      } finally {
        rmSync(ctx, { recursive: true, force: true });
      }
    }
    pool = new ProcessPool({
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
      runtimes,
      initTimeoutMs: 30_000,
    });
  }, 900_000);

  afterAll(async () => {
    await pool.close();
    // Killing `docker run` leaves its container: remove every container and image of this run.
    const ids = docker(['ps', '-aq', '--filter', `label=${label}`]).stdout;
    const containers = typeof ids === 'string' ? ids.split('\n').filter(Boolean) : [];
    if (containers.length > 0) docker(['rm', '-f', ...containers]);
    const tags = [...images.values()];
    if (tags.length > 0) docker(['rmi', '-f', ...tags]);
    rmSync(codeDir, { recursive: true, force: true });
  });

  const fnOf = (runtime: string): FunctionVersionConfig => ({
    name: `image-${runtime.replace(/\W/g, '')}-${run}`,
    version: '$LATEST',
    runtime,
    handler: images.get(runtime) ?? '',
    memorySize: 256,
    timeout: 10,
    ephemeralStorage: 512,
    environment: {},
    codeDir,
    codeSha256: run,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:image-${runtime}`,
    region: 'us-east-1',
  });
  const invocation = (event: unknown): Invocation => ({
    requestId: randomUUID(),
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:image',
    payload: Buffer.from(JSON.stringify(event)),
    tailLog: true,
  });

  describe.each(CASES)('$runtime image', (c) => {
    it('answers through the Runtime API: result, context, warm state, error shape', async () => {
      const fn = fnOf(c.runtime);
      const echo = await pool.invoke(fn, invocation({ action: 'echo', n: 1 }));
      expect(JSON.parse(echo.payload.toString())).toEqual({ action: 'echo', n: 1 });
      expect(echo.coldStart).toBe(true);
      const ctx = await pool.invoke(fn, invocation({ action: 'context' }));
      expect(JSON.parse(ctx.payload.toString())).toMatchObject({
        functionName: fn.name,
        memoryLimitInMB: '256',
      });
      const first = await pool.invoke(fn, invocation({ action: 'count' }));
      const second = await pool.invoke(fn, invocation({ action: 'count' }));
      expect(second.coldStart).toBe(false);
      expect(JSON.parse(second.payload.toString())).toEqual({
        count: (JSON.parse(first.payload.toString()) as { count: number }).count + 1,
      });
      const err = await pool.invoke(fn, invocation({ action: 'error' }));
      expect(err.functionError).toBe('Unhandled');
      expect(JSON.parse(err.payload.toString())).toMatchObject({
        errorMessage: 'boom',
        errorType: c.errorType,
      });
    });
  });

  it("nodejs22.x image: its bootstrap starts node as Lambda's does", async () => {
    const fn = fnOf('nodejs22.x');
    const r = await pool.invoke(fn, invocation({ action: 'node-start' }));
    // 256 MB: a tenth for the young generation, half of it per semi-space, the rest old space.
    expect(JSON.parse(r.payload.toString())).toEqual({
      gc: 'function',
      execArgv: [
        '--expose-gc',
        '--max-http-header-size=81920',
        '--max-semi-space-size=12',
        '--max-old-space-size=231',
      ],
    });
  });
});

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import { ExecutionEnvironment } from './execution-environment.js';
import {
  ensureRuntimeBuilt,
  fixturesDir,
  makeFn,
  makeInvocation,
  nodeCommand,
  parse,
  isAlive,
  quietLogger,
} from './test-support/fixtures.js';
import { withEnv } from './test-support/with-env.js';

describe('ExecutionEnvironment failures', { timeout: 20_000 }, () => {
  beforeAll(() => {
    ensureRuntimeBuilt();
  }, 60_000);

  it.each([
    ['nope.handler', 'Runtime.ImportModuleError', "Error: Cannot find module 'nope'"],
    ['badimport.handler', 'Runtime.ImportModuleError', "Cannot find module 'this-package"],
    ['echo.missing', 'Runtime.HandlerNotFound', 'echo.missing is undefined or not exported'],
    ['notfunc.handler', 'Runtime.HandlerNotFound', 'notfunc.handler is not a function'],
    ['nodot', 'Runtime.MalformedHandlerName', 'Bad handler'],
    ['toplevel.handler', 'Error', 'init failed on purpose'],
  ])('answers the first invoke with the init error of %s', async (handler, errorType, message) => {
    await withEnv({ handler }, async ({ invoke, env, lines }) => {
      const r = await invoke({}, true);
      expect(r.functionError).toBe('Unhandled');
      expect(r.errorType).toBe(errorType);
      expect(r.coldStart).toBe(true);
      const body = parse(r.payload) as { errorType: string; errorMessage: string };
      expect(body.errorType).toBe(errorType);
      expect(body.errorMessage).toContain(message);
      expect(env.reusable).toBe(false);
      expect(r.log).toContain('\tundefined\tERROR\tUncaught Exception \t');
      expect(lines.at(-1)).toMatch(/Init Duration/);
    });
  });

  it('reports syntax errors as Runtime.UserCodeSyntaxError', async () => {
    const codeDir = mkdtempSync(path.join(tmpdir(), 'lamina-syntax-'));
    writeFileSync(path.join(codeDir, 'package.json'), '{"type":"commonjs"}');
    writeFileSync(path.join(codeDir, 'app.js'), 'exports.handler = async () => { return "x;\n};\n');
    await withEnv({ handler: 'app.handler', codeDir }, async ({ invoke }) => {
      const r = await invoke();
      expect(r.errorType).toBe('Runtime.UserCodeSyntaxError');
      expect(parse(r.payload)).toMatchObject({
        errorMessage: expect.stringMatching(/^SyntaxError: /),
      });
    });
  });

  it('kills the runtime at the timeout and answers with the timeout message', async () => {
    await withEnv({ handler: 'sleep.handler', timeout: 1 }, async ({ invoke, env, lines }) => {
      const pid = env.pid ?? 0;
      const r = await invoke({ ms: 5000 }, true);
      expect(r.functionError).toBe('Unhandled');
      expect(r.errorType).toBe('Sandbox.Timedout');
      const body = parse(r.payload) as { errorMessage: string };
      expect(Object.keys(body)).toEqual(['errorMessage']);
      expect(body.errorMessage).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ Task timed out after 1\.00 seconds$/,
      );
      expect(r.durationMs).toBeGreaterThanOrEqual(995);
      expect(r.durationMs).toBeLessThan(5000); // cut before the handler's 5 s sleep ended
      expect(lines).toContain(body.errorMessage);
      expect(r.log).toContain(`${body.errorMessage}\nEND RequestId:`);
      expect(env.reusable).toBe(false);
      await eventually(() => !isAlive(pid));
    });
  });

  it.each([
    [{ handler: 'exit.handler' }, { code: 3 }, 'exited with error: exit status 3'],
    [{ handler: 'exit.handler' }, { code: 0 }, 'exited without providing a reason'],
    [{ handler: 'exit.kill' }, {}, 'exited with error: signal: killed'],
    [
      { handler: 'memory.handler', memorySize: 128 },
      { mb: 200 },
      'exited with error: signal: killed',
    ],
  ])(
    'reports a runtime that dies mid-invoke (%o) as Runtime.ExitError',
    async (fn, payload, how) => {
      await withEnv(fn, async ({ invoke, env }) => {
        const r = await invoke(payload, true);
        expect(r.errorType).toBe('Runtime.ExitError');
        const body = parse(r.payload) as { errorType: string; errorMessage: string };
        const id = /START RequestId: (\S+)/.exec(r.log ?? '')?.[1] ?? '';
        expect(body).toEqual({
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${id} Error: Runtime ${how}`,
        });
        expect(r.log).toContain(`${body.errorMessage}\nRuntime.ExitError\nEND RequestId: ${id}`);
        expect(env.reusable).toBe(false);
      });
    },
  );

  it('reports unhandled promise rejections as Runtime.UnhandledPromiseRejection', async () => {
    await withEnv({ handler: 'reject.handler' }, async ({ invoke }) => {
      const r = await invoke();
      expect(r.errorType).toBe('Runtime.UnhandledPromiseRejection');
      expect(parse(r.payload)).toMatchObject({ errorMessage: 'Error: nobody catches me' });
    });
  });

  it('gives up on an init that overruns the init timeout', async () => {
    const lines: string[] = [];
    const env = new ExecutionEnvironment({
      fn: makeFn({ handler: 'slow-init.handler', codeDir: path.join(fixturesDir, 'esm-pkg') }),
      command: nodeCommand,
      logger: quietLogger,
      onLog: (_fn, line) => lines.push(line),
      initTimeoutMs: 300,
    });
    await env.start();
    try {
      const r = await env.invoke(makeInvocation({}));
      expect(r.errorType).toBe('Sandbox.Timedout');
      expect(parse(r.payload)).toEqual({
        errorMessage: expect.stringMatching(/ Task timed out after 0\.30 seconds$/) as string,
      });
      expect(env.reusable).toBe(false);
    } finally {
      await env.stop();
    }
  });

  it('answers Runtime.InvalidWorkingDir when the code directory is missing', async () => {
    await withEnv({ codeDir: '/nonexistent/code' }, async ({ invoke }) => {
      const r = await invoke();
      expect(r.errorType).toBe('Runtime.InvalidWorkingDir');
      expect(parse(r.payload)).toMatchObject({
        errorMessage: expect.stringMatching(
          /Error: chdir \/nonexistent\/code: no such file/,
        ) as string,
      });
    });
  });

  it('killNow() kills the runtime and removes /tmp synchronously', async () => {
    await withEnv({ handler: 'context.handler' }, async ({ invoke, env }) => {
      const { tmpdir: tmp } = parse((await invoke()).payload) as { tmpdir: string };
      const pid = env.pid ?? 0;
      env.killNow();
      expect(existsSync(tmp)).toBe(false);
      await eventually(() => !isAlive(pid));
    });
  });

  it('stop() during start() waits for it and leaves no process behind', async () => {
    const env = new ExecutionEnvironment({
      fn: makeFn(),
      command: nodeCommand,
      logger: quietLogger,
    });
    const started = env.start();
    await env.stop();
    await started;
    const pid = env.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
    await eventually(() => !isAlive(pid));
    expect(env.reusable).toBe(false);
    await expect(env.invoke(makeInvocation({}))).rejects.toMatchObject({
      name: 'ServiceException',
    });
  });

  it('answers Runtime.InvalidEntrypoint when the runtime cannot be started', async () => {
    await withEnv(
      {},
      async ({ invoke, env }) => {
        const r = await invoke();
        expect(r.errorType).toBe('Runtime.InvalidEntrypoint');
        expect(parse(r.payload)).toMatchObject({
          errorMessage: expect.stringContaining('/nonexistent/node: no such file or directory'),
        });
        expect(env.reusable).toBe(false);
      },
      ['/nonexistent/node', 'bootstrap.js'],
    );
  });
});

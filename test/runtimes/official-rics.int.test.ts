import { chmodSync, copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { LambdaClient, Runtime } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import {
  cacheRoot,
  createFunction,
  functionsDir,
  invoke,
  root,
  setupRuntimes,
  zipDir,
} from './support/runtime-support.js';

/** A new machine installs the runtimes first (minutes; see test/runtimes/setup.sh). */
const SETUP_TIMEOUT_MS = 900_000;

// The official runtime interface clients, unchanged, invoked through the gateway with the AWS
// SDK: aws-lambda-ric (npm) as a provided.al2023 bootstrap, awslambdaric (PyPI) behind
// python3.11, the AWS Lambda Java runtime interface client (Maven Central) behind java17/java25.

let lamina: LaminaProcess;
let client: LambdaClient;

const create = (
  name: string,
  runtime: string,
  handler: string,
  zip: Buffer,
  env: Record<string, string> = {},
): Promise<void> =>
  createFunction(client, {
    FunctionName: name,
    Runtime: runtime as Runtime,
    Handler: handler,
    Code: { ZipFile: zip },
    Timeout: 10,
    MemorySize: 256,
    Environment: { Variables: env },
  });

beforeAll(async () => {
  await setupRuntimes('python', 'java', 'nodejs-ric', 'java-example');
  lamina = await startLamina();
  client = lambdaClient(lamina.url);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  client.destroy();
  await lamina.stop();
});

describe('aws-lambda-ric (Node.js) as a custom runtime', () => {
  const name = uniqueName('ric-node');

  beforeAll(async () => {
    // The package as AWS documents it for custom runtimes: the client in node_modules and a
    // bootstrap that starts it with the handler. Node.js is this test's own (22+).
    const dir = mkdtempSync(join(tmpdir(), 'lamina-ric-node-'));
    try {
      const ric = join(cacheRoot, 'runtimes/nodejs-ric/aws-lambda-ric-4.0.2');
      cpSync(ric, join(dir, 'node_modules/aws-lambda-ric'), { recursive: true });
      rmSync(join(dir, 'node_modules/aws-lambda-ric/.complete'));
      copyFileSync(join(functionsDir, 'official/app.mjs'), join(dir, 'app.mjs'));
      copyFileSync(join(functionsDir, 'official/stream.mjs'), join(dir, 'stream.mjs'));
      writeFileSync(
        join(dir, 'bootstrap'),
        `#!/bin/sh\nexec '${process.execPath}' node_modules/aws-lambda-ric/index.mjs "$_HANDLER"\n`,
      );
      chmodSync(join(dir, 'bootstrap'), 0o755);
      const zip = zipDir(dir);
      await create(name, 'provided.al2023', 'app.handler', zip);
      await create(`${name}-nomodule`, 'provided.al2023', 'missing.handler', zip);
      await create(`${name}-noexport`, 'provided.al2023', 'app.nothing', zip);
      await create(`${name}-stream`, 'provided.al2023', 'stream.handler', zip);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the handler, warm on the second call', async () => {
    const first = await invoke(client, name, { n: 1 });
    expect(first.functionError).toBeUndefined();
    expect(first.body).toEqual({
      echo: { n: 1 },
      calls: 1,
      functionName: name,
      memoryLimitInMB: '256',
      remaining: true,
    });
    expect(first.log).toMatch(/\tINFO\thandling /);
    const second = await invoke(client, name, { n: 2 });
    expect(second.body).toMatchObject({ echo: { n: 2 }, calls: 2 });
  });

  it('returns its error shape', async () => {
    const r = await invoke(client, name, { fail: 'x' });
    expect(r.functionError).toBe('Unhandled');
    expect(r.body).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input x' });
    expect((r.body as { trace: string[] }).trace[0]).toBe('TypeError: bad input x');
  });

  it('streams a response (buffered for Invoke), and fails mid-stream with its error', async () => {
    const ok = await invoke(client, `${name}-stream`, {});
    expect(ok.functionError).toBeUndefined();
    expect(ok.raw).toBe('streamed response');
    const failed = await invoke(client, `${name}-stream`, { fail: true });
    expect(failed.functionError).toBe('Unhandled');
    expect(failed.body).toMatchObject({ errorType: 'Error', errorMessage: 'failed mid-stream' });
  });

  it('reports its init errors', async () => {
    const noModule = await invoke(client, `${name}-nomodule`, {});
    expect(noModule.body).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    const noExport = await invoke(client, `${name}-noexport`, {});
    expect(noExport.body).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
  });
});

describe('awslambdaric (Python) behind python3.11', () => {
  const name = uniqueName('ric-py');
  const zip = (): Buffer => zipDir(join(functionsDir, 'official'));

  it('reports a syntax error, a missing handler and an import-time exception', async () => {
    const code = zip();
    await create(`${name}-syntax`, 'python3.11', 'broken_syntax.handler', code);
    await create(`${name}-nohandler`, 'python3.11', 'no_handler.handler', code);
    await create(`${name}-crash`, 'python3.11', 'crash_at_import.handler', code);
    const syntax = await invoke(client, `${name}-syntax`, {});
    expect(syntax.functionError).toBe('Unhandled');
    expect(syntax.body).toMatchObject({
      errorType: 'Runtime.UserCodeSyntaxError',
      errorMessage: expect.stringContaining("Syntax error in module 'broken_syntax'") as unknown,
    });
    const missing = await invoke(client, `${name}-nohandler`, {});
    expect(missing.body).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: "Handler 'handler' missing on module 'no_handler'",
    });
    const crash = await invoke(client, `${name}-crash`, {});
    expect(crash.body).toMatchObject({
      errorType: 'RuntimeError',
      errorMessage: 'configuration missing',
    });
  });
});

describe('the Java runtime interface client with a Maven-built fat jar', () => {
  const jar = (): Buffer => readFileSync(join(root, 'examples/java/target/hello-java-1.0.0.jar'));

  for (const runtime of ['java17', 'java25']) {
    it(`${runtime}: RequestHandler, RequestStreamHandler and an exception`, async (ctx) => {
      const name = uniqueName(`ric-${runtime}`);
      try {
        await create(name, runtime, 'example.Hello::handleRequest', jar(), { GREETING: 'Hej' });
      } catch (err) {
        // java25 only where that JDK is installed (local mode does not offer it otherwise).
        if (runtime !== 'java17' && String(err).includes('not supported')) ctx.skip();
        throw err;
      }
      await create(`${name}-stream`, runtime, 'example.Shout', jar());
      const hello = await invoke(client, name, { name: 'Lamina' });
      expect(hello.functionError).toBeUndefined();
      expect(hello.body).toMatchObject({
        greeting: 'Hej, Lamina!',
        java: runtime.slice(4),
      });
      expect(hello.log).toContain('greeting Lamina');
      const shout = await invoke(client, `${name}-stream`, { text: 'quiet' });
      expect(shout.raw).toBe('{"TEXT":"QUIET"}');
      const fail = await invoke(client, name, { name: 'fail' });
      expect(fail.functionError).toBe('Unhandled');
      expect(fail.body).toMatchObject({
        errorType: 'java.lang.IllegalStateException',
        errorMessage: 'no greeting for fail',
      });
      expect((fail.body as { stackTrace: string[] }).stackTrace[0]).toContain(
        'example.Hello.handleRequest',
      );
    });
  }
});

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionCommand,
  InvokeCommand,
  LambdaClient,
  ListLayersCommand,
  PublishLayerVersionCommand,
  type Runtime,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';

import { setupRuntimes } from '../runtimes/support/runtime-support.js';
import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

/** Short enough for a test; the default is 10 minutes. */
const GRACE_MS = 1000;
/** A new machine installs the Python runtime first (minutes; see test/runtimes/setup.sh). */
const SETUP_TIMEOUT_MS = 900_000;

const hexOf = (zip: Buffer): string => createHash('sha256').update(zip).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// One layer with a Node.js module and a Python module, as AWS documents the layout.
const shared = makeZip({
  'nodejs/node_modules/greeting/index.js':
    "exports.greet = (who) => 'hello ' + who + ' from the layer';\n",
  'python/greeting.py': "def greet(who):\n    return 'hello ' + who + ' from the layer'\n",
});

const nodeCode = makeZip({
  'index.js': `
const { greet } = require('greeting');
const fs = require('node:fs');
exports.handler = async () => ({
  message: greet('node'),
  files: Object.fromEntries(
    ['a', 'b', 'c', 'd', 'e'].map((n) => {
      const p = require('node:path').join(process.env.NODE_PATH.split(':')[1], '..', 'which-' + n);
      return [n, fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null];
    }),
  ),
});
`,
});

const pythonCode = makeZip({
  'app.py':
    'import greeting\n\ndef handler(event, context):\n    return {"message": greeting.greet("python")}\n',
});

describe('layers through @aws-sdk/client-lambda (local mode)', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;
  const layerName = uniqueName('shared');
  let layerArn = '';

  beforeAll(async () => {
    await setupRuntimes('python');
    lamina = await startLamina({
      env: { LAMINA_CODE_GC_GRACE_MS: String(GRACE_MS), LAMINA_CODE_GC_INTERVAL_MS: '1000' },
    });
    client = lambdaClient(lamina.url);
    const published = await client.send(
      new PublishLayerVersionCommand({
        LayerName: layerName,
        Description: 'greeting for Node.js and Python',
        Content: { ZipFile: shared },
        CompatibleRuntimes: ['nodejs22.x', 'python3.11'],
        CompatibleArchitectures: ['x86_64'],
        LicenseInfo: 'MIT',
      }),
    );
    expect(published.Version).toBe(1);
    expect(published.Content?.CodeSha256).toBe(
      createHash('sha256').update(shared).digest('base64'),
    );
    expect(published.Content?.CodeSize).toBe(shared.length);
    layerArn = published.LayerVersionArn ?? '';
    expect(layerArn).toBe(`arn:aws:lambda:us-east-1:000000000000:layer:${layerName}:1`);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  const create = (name: string, runtime: string, handler: string, zip: Buffer, layers: string[]) =>
    client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: runtime as Runtime,
        Handler: handler,
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zip },
        Timeout: 10,
        Layers: layers,
      }),
    );

  const invoke = async (name: string): Promise<Record<string, unknown>> => {
    const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
    const text = Buffer.from(out.Payload ?? []).toString('utf8');
    expect(out.FunctionError, text).toBeUndefined();
    return JSON.parse(text) as Record<string, unknown>;
  };

  it('a Node.js and a Python function share one layer and both load modules from it', async () => {
    const nodeFn = uniqueName('layer-node');
    const pyFn = uniqueName('layer-py');
    const created = await create(nodeFn, 'nodejs22.x', 'index.handler', nodeCode, [layerArn]);
    expect(created.Layers).toEqual([{ Arn: layerArn, CodeSize: shared.length }]);
    await create(pyFn, 'python3.11', 'app.handler', pythonCode, [layerArn]);
    expect((await invoke(nodeFn))['message']).toBe('hello node from the layer');
    expect((await invoke(pyFn))['message']).toBe('hello python from the layer');
    const listed = await client.send(new ListLayersCommand({ CompatibleRuntime: 'python3.11' }));
    expect(listed.Layers?.map((l) => l.LayerName)).toContain(layerName);
  });

  it('a function still runs after DeleteLayerVersion (and after the collector swept)', async () => {
    const name = uniqueName('layer-kept');
    await create(name, 'nodejs22.x', 'index.handler', nodeCode, [layerArn]);
    await client.send(new DeleteLayerVersionCommand({ LayerName: layerName, VersionNumber: 1 }));
    await expect(
      client.send(new GetLayerVersionCommand({ LayerName: layerName, VersionNumber: 1 })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    // Past the grace and a sweep: the content stays while functions use it.
    await sleep(GRACE_MS * 3);
    expect(existsSync(join(lamina.stateDir, 'code', hexOf(shared)))).toBe(true);
    // A new environment merges /opt again from the code store.
    await rm(join(lamina.stateDir, 'opt'), { recursive: true, force: true });
    await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: 'new env' }),
    );
    expect((await invoke(name))['message']).toBe('hello node from the layer');
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(config.Layers?.[0]?.Arn).toBe(layerArn);
    // A deleted version cannot be added to a function any more.
    await expect(
      create(uniqueName('layer-late'), 'nodejs22.x', 'index.handler', nodeCode, [layerArn]),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('five layers are merged in order: a later layer overrides an earlier file', async () => {
    const arns: string[] = [];
    for (const [i, n] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      // Every layer writes which-x for each x at or after it: the last writer of a file wins.
      const files: Record<string, string> = {};
      for (const m of ['a', 'b', 'c', 'd', 'e'].slice(0, i + 1)) files[`nodejs/which-${m}`] = n;
      if (i === 0) {
        files['nodejs/node_modules/greeting/index.js'] =
          "exports.greet = (who) => 'hello ' + who + ' from layer a';\n";
      }
      const out = await client.send(
        new PublishLayerVersionCommand({
          LayerName: uniqueName(`order-${n}`),
          Content: { ZipFile: makeZip(files) },
        }),
      );
      arns.push(out.LayerVersionArn ?? '');
    }
    const name = uniqueName('layer-order');
    await create(name, 'nodejs22.x', 'index.handler', nodeCode, arns);
    const ran = await invoke(name);
    expect(ran['message']).toBe('hello node from layer a');
    // which-x was last written by layer e for every x (each later layer writes all earlier ones).
    expect(ran['files']).toEqual({ a: 'e', b: 'e', c: 'e', d: 'e', e: 'e' });
    // Reversed, the first layer (a) is applied last: it wins which-a.
    await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [...arns].reverse() }),
    );
    expect(((await invoke(name))['files'] as Record<string, string>)['a']).toBe('a');
    await expect(
      client.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [...arns, arns[0]!] }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });
});

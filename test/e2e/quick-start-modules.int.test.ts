/**
 * Local mode as the README's quick start runs it: `lamina dev` started from a folder whose
 * package.json says `"type": "module"` (Lamina's own checkout, or any ESM project), with its
 * default state directory `.lamina` inside that folder. Functions created through the AWS SDK
 * must be loaded as on AWS, where the code at /var/task has no parent package.json: `.js` is
 * CommonJS unless the function's own package.json says otherwise; `.mjs`/`.cjs` by extension.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLamina, type LaminaProcess } from '@lamina/testkit';
import { makeZip } from '../support/zip.js';

const PACKAGES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // The most common Lambda handler: CommonJS in index.js, requiring a sibling .js.
  commonjs: {
    'index.js': `const { kind } = require('./lib.js');
exports.handler = async (event) => ({ kind: kind(), esm: typeof require !== 'function', event });`,
    'lib.js': `exports.kind = () => typeof module === 'object' ? 'cjs' : 'esm';`,
  },
  // An ES module by its extension.
  mjs: {
    'index.mjs': `import { kind } from './lib.mjs';
export const handler = async (event) => ({ kind: kind(), esm: typeof require !== 'function', event });`,
    'lib.mjs': `export const kind = () => (typeof module === 'undefined' ? 'esm' : 'cjs');`,
  },
  // .js as ES modules because the function's own package.json says so.
  'js-module': {
    'package.json': '{"type":"module"}',
    'index.js': `import { kind } from './lib.js';
export const handler = async (event) => ({ kind: kind(), esm: typeof require !== 'function', event });`,
    'lib.js': `export const kind = () => (typeof module === 'undefined' ? 'esm' : 'cjs');`,
  },
  // .cjs stays CommonJS inside a "type": "module" package.
  cjs: {
    'package.json': '{"type":"module"}',
    'index.cjs': `exports.handler = async (event) => ({ kind: typeof module === 'object' ? 'cjs' : 'esm', esm: typeof require !== 'function', event });`,
  },
};

describe('the quick start inside an ESM project serves both handler styles', () => {
  let project: string;
  let lamina: LaminaProcess;
  let client: LambdaClient;

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'lamina-esm-project-'));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'an-esm-project', type: 'module' }),
    );
    lamina = await startLamina({ cwd: project });
    client = new LambdaClient({
      endpoint: lamina.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
    rmSync(project, { recursive: true, force: true });
  });

  it('keeps its state in .lamina inside the project', () => {
    expect(lamina.stateDir).toBe(join(project, '.lamina'));
  });

  const expected: Readonly<Record<string, 'cjs' | 'esm'>> = {
    commonjs: 'cjs',
    mjs: 'esm',
    'js-module': 'esm',
    cjs: 'cjs',
  };
  for (const [style, files] of Object.entries(PACKAGES)) {
    it(`runs a ${style} handler as AWS would`, async () => {
      const name = `qs-${style}-${Date.now().toString(36)}`;
      await client.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/test',
          Code: { ZipFile: makeZip(files) },
        }),
      );
      const out = await client.send(
        new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"n":1}') }),
      );
      const body = Buffer.from(out.Payload ?? []).toString('utf8');
      expect({ error: out.FunctionError, body }).toEqual({
        error: undefined,
        body: expect.any(String) as string,
      });
      const kind = expected[style] ?? 'unknown';
      expect(JSON.parse(body)).toEqual({ kind, esm: kind === 'esm', event: { n: 1 } });
    });
  }
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';

import { setupRuntimes } from '../runtimes/support/runtime-support.js';
import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

/** A new machine installs the Python runtime first (minutes; see test/runtimes/setup.sh). */
const SETUP_TIMEOUT_MS = 900_000;
const MAPPED_ROLE = 'arn:aws:iam::123456789012:role/mapped';

const nodeCode = makeZip({
  'index.js': `exports.handler = async () => ({
  key: process.env.AWS_ACCESS_KEY_ID,
  secret: process.env.AWS_SECRET_ACCESS_KEY,
  token: process.env.AWS_SESSION_TOKEN ?? null,
  region: process.env.AWS_REGION,
  defaultRegion: process.env.AWS_DEFAULT_REGION,
});
`,
});
const pythonCode = makeZip({
  'app.py': `import os

def handler(event, context):
    return {"key": os.environ.get("AWS_ACCESS_KEY_ID"), "token": os.environ.get("AWS_SESSION_TOKEN")}
`,
});

describe('execution role credentials in the environment (local mode)', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;

  beforeAll(async () => {
    await setupRuntimes('python');
    lamina = await startLamina();
    client = lambdaClient(lamina.url);
    // STS's shape, as `aws sts assume-role` prints it; read at each cold start.
    writeFileSync(
      join(lamina.stateDir, 'credentials.json'),
      JSON.stringify({
        [MAPPED_ROLE]: {
          AccessKeyId: 'ASIAMAPPEDEXAMPLE000',
          SecretAccessKey: 'mapped-secret',
          SessionToken: 'mapped-token',
        },
      }),
    );
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  const run = async (
    runtime: string,
    handler: string,
    zip: Buffer,
    role: string,
  ): Promise<Record<string, unknown>> => {
    const name = uniqueName('creds');
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: runtime as Runtime,
        Handler: handler,
        Role: role,
        Code: { ZipFile: zip },
      }),
    );
    const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
    const text = Buffer.from(out.Payload ?? []).toString('utf8');
    expect(out.FunctionError, text).toBeUndefined();
    return JSON.parse(text) as Record<string, unknown>;
  };

  it('gives a function the credentials mapped to its role, in Node.js and Python', async () => {
    expect(await run('nodejs22.x', 'index.handler', nodeCode, MAPPED_ROLE)).toEqual({
      key: 'ASIAMAPPEDEXAMPLE000',
      secret: 'mapped-secret',
      token: 'mapped-token',
      region: 'us-east-1',
      defaultRegion: 'us-east-1',
    });
    expect(await run('python3.11', 'app.handler', pythonCode, MAPPED_ROLE)).toEqual({
      key: 'ASIAMAPPEDEXAMPLE000',
      token: 'mapped-token',
    });
  });

  it('gives a role without a mapping clearly fake credentials', async () => {
    const ran = await run(
      'nodejs22.x',
      'index.handler',
      nodeCode,
      'arn:aws:iam::123456789012:role/unmapped',
    );
    expect(ran['key']).toBe('LAMINAFAKEACCESSKEY0');
    expect(String(ran['secret'])).toMatch(/fake/);
    expect(ran['token']).toBe('lamina-fake-session-token');
  });
});

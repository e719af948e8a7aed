/**
 * Issue #16, code from S3: a function created, updated (by object version) and a layer
 * published from zips on the test environment's S3-compatible server (lamina-s3 on gofakes3,
 * signed requests, a wrong key refused), through the AWS CLI as a user types it and through the
 * AWS SDK v3; S3's errors as Lambda words them. The gateway reads S3 with its own credentials
 * (LAMINA_S3_*), never the caller's, as Lambda does.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  CreateFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  type LambdaClient,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';
import { lambdaClient } from '../support/lambda-client.js';
import { testS3, type TestS3 } from '../support/s3.js';
import { makeZip } from '../support/zip.js';

const run = promisify(execFile);
const hasAwsCli = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const NO_SUCH_KEY =
  'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('base64');
const handler = (text: string): Buffer =>
  makeZip({
    'index.mjs': `export const handler = async () => ({ says: ${JSON.stringify(text)} });\n`,
  });

describe('code from S3 on the test S3 server', () => {
  let s3: TestS3;
  let lamina: LaminaProcess;
  let client: LambdaClient;
  let dir: string;
  const bucket = uniqueName('code').toLowerCase();
  const v1 = handler('one');
  const v2 = handler('two');
  const layer = makeZip({ 'nodejs/node_modules/greeting/index.js': 'exports.hi = () => "hi";\n' });
  let v1Version: string | undefined;

  /** The AWS CLI as a user runs it against Lamina; resolves to stdout, rejects with stderr. */
  const aws = async (...args: string[]): Promise<string> => {
    const out = await run('aws', [...args, '--endpoint-url', lamina.url, '--output', 'json'], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_MAX_ATTEMPTS: '1',
        AWS_PAGER: '',
      },
    });
    return out.stdout;
  };
  const awsError = async (...args: string[]): Promise<string> => {
    const err = await aws(...args).then(
      () => undefined,
      (e: unknown) => e as { stderr: string },
    );
    expect(err).toBeDefined();
    return (err?.stderr ?? '').trim();
  };

  beforeAll(async () => {
    s3 = testS3();
    await s3.createBucket(bucket);
    await s3.enableVersioning(bucket);
    v1Version = await s3.putObject(bucket, 'app/function.zip', v1);
    await s3.putObject(bucket, 'app/function.zip', v2);
    await s3.putObject(bucket, 'layers/greeting.zip', layer);
    lamina = await startLamina({
      env: {
        LAMINA_S3_ENDPOINT: s3.endpoint,
        LAMINA_S3_ACCESS_KEY_ID: s3.accessKeyId,
        LAMINA_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
    });
    client = lambdaClient(lamina.url);
    dir = await mkdtemp(join(tmpdir(), 'lamina-s3-'));
  }, 120_000);
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs against a server that checks signatures: a wrong secret or an unknown key is refused', async () => {
    const put = (keys: { accessKeyId?: string; secretAccessKey?: string }) =>
      testS3(keys).putObject(bucket, 'app/forged.zip', v1);
    await expect(put({ secretAccessKey: `${s3.secretAccessKey}-wrong` })).rejects.toThrow(
      /^S3 PUT \S+: 403 .*<Code>SignatureDoesNotMatch<\/Code>/s,
    );
    await expect(put({ accessKeyId: `${s3.accessKeyId}-unknown` })).rejects.toThrow(
      /^S3 PUT \S+: 403 .*<Code>InvalidAccessKeyId<\/Code>/s,
    );
    const unsigned = await fetch(`${s3.endpoint}/${bucket}/app/function.zip`);
    expect(unsigned.status).toBe(403);
    await unsigned.body?.cancel();
  });

  it.skipIf(!hasAwsCli)(
    'creates, invokes, updates by object version and publishes a layer through the AWS CLI',
    async () => {
      const name = uniqueName('s3-cli');
      const created = JSON.parse(
        await aws(
          'lambda',
          'create-function',
          '--function-name',
          name,
          '--runtime',
          'nodejs22.x',
          '--role',
          ROLE,
          '--handler',
          'index.handler',
          '--code',
          `S3Bucket=${bucket},S3Key=app/function.zip`,
        ),
      ) as { CodeSha256: string; CodeSize: number };
      expect(created.CodeSha256).toBe(sha(v2));
      expect(created.CodeSize).toBe(v2.length);
      const outFile = join(dir, `${name}.json`);
      await aws('lambda', 'invoke', '--function-name', name, outFile);
      expect(JSON.parse(await readFile(outFile, 'utf8'))).toEqual({ says: 'two' });

      // The older version of the same key (versioning is on in the bucket).
      expect(v1Version).toBeTruthy();
      const updated = JSON.parse(
        await aws(
          'lambda',
          'update-function-code',
          '--function-name',
          name,
          '--s3-bucket',
          bucket,
          '--s3-key',
          'app/function.zip',
          '--s3-object-version',
          v1Version ?? '',
        ),
      ) as { CodeSha256: string };
      expect(updated.CodeSha256).toBe(sha(v1));
      await aws('lambda', 'invoke', '--function-name', name, outFile);
      expect(JSON.parse(await readFile(outFile, 'utf8'))).toEqual({ says: 'one' });

      const published = JSON.parse(
        await aws(
          'lambda',
          'publish-layer-version',
          '--layer-name',
          uniqueName('s3-layer'),
          '--content',
          `S3Bucket=${bucket},S3Key=layers/greeting.zip`,
        ),
      ) as { Version: number; Content: { CodeSha256: string; CodeSize: number } };
      expect(published.Version).toBe(1);
      expect(published.Content).toMatchObject({ CodeSha256: sha(layer), CodeSize: layer.length });

      expect(
        await awsError(
          'lambda',
          'create-function',
          '--function-name',
          uniqueName('s3-cli-missing'),
          '--runtime',
          'nodejs22.x',
          '--role',
          ROLE,
          '--handler',
          'index.handler',
          '--code',
          `S3Bucket=${bucket},S3Key=app/missing.zip`,
        ),
      ).toBe(
        `An error occurred (InvalidParameterValueException) when calling the CreateFunction operation: ${NO_SUCH_KEY}`,
      );
    },
    180_000,
  );

  it('does the same through the AWS SDK v3, with S3 errors as Lambda words them', async () => {
    const name = uniqueName('s3-sdk');
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { S3Bucket: bucket, S3Key: 'app/function.zip', S3ObjectVersion: v1Version },
      }),
    );
    expect(created.CodeSha256).toBe(sha(v1));
    const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
    expect(JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8'))).toEqual({ says: 'one' });
    const updated = await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: name,
        S3Bucket: bucket,
        S3Key: 'app/function.zip',
      }),
    );
    expect(updated.CodeSha256).toBe(sha(v2));
    const got = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect(got.Code?.RepositoryType).toBe('S3');
    const layerOut = await client.send(
      new PublishLayerVersionCommand({
        LayerName: uniqueName('s3-sdk-layer'),
        Content: { S3Bucket: bucket, S3Key: 'layers/greeting.zip' },
      }),
    );
    expect(layerOut.Content?.CodeSha256).toBe(sha(layer));

    const failure = async (code: Record<string, string>) => {
      const err = (await client
        .send(new UpdateFunctionCodeCommand({ FunctionName: name, ...code }))
        .then(
          () => undefined,
          (e: unknown) => e,
        )) as { name: string; message: string; $metadata: { httpStatusCode: number } };
      return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
    };
    expect(await failure({ S3Bucket: bucket, S3Key: 'nope.zip' })).toEqual({
      name: 'InvalidParameterValueException',
      status: 400,
      message: NO_SUCH_KEY,
    });
    const noBucket = await failure({ S3Bucket: `${bucket}-absent`, S3Key: 'x.zip' });
    expect(noBucket).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(noBucket.message).toMatch(
      /^Error occurred while GetObject\. S3 Error Code: NoSuchBucket\. S3 Error Message: The specified bucket does not exist/,
    );
  }, 120_000);
});

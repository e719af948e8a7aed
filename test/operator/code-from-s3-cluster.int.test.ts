/**
 * Issue #16, code from S3 in cluster mode: the cluster gateway (same composition as local mode)
 * reads `Code.S3Bucket/S3Key` from the test environment's S3 server (lamina-s3) with its
 * LAMINA_S3_* settings, and the Function resource names that zip; S3's error comes back as
 * Lambda words it. No operator runs: the function stays Pending, which is all this needs.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import { testS3 } from '../support/s3.js';
import { makeZip } from '../support/zip.js';
import { loadClusterConfig } from '../../services/gateway/src/cluster-config.js';
import { type ClusterGatewayHandle, startClusterGateway } from '../../services/gateway/src/main.js';
import { createNamespace, deleteNamespace, getJson, installCrds } from './support/cluster.js';

describe('code from S3 through the cluster gateway', () => {
  let ns = '';
  let codeDir = '';
  let gateway: ClusterGatewayHandle;
  let lambda: LambdaClient;
  const bucket = uniqueName('kcode').toLowerCase();
  const zip = makeZip({ 'index.mjs': 'export const handler = async () => "from s3";\n' });

  beforeAll(async () => {
    const s3 = testS3();
    await s3.createBucket(bucket);
    await s3.putObject(bucket, 'fn.zip', zip);
    await installCrds();
    ns = await createNamespace('gws3');
    codeDir = mkdtempSync(join(tmpdir(), 'gw-s3-code-'));
    const config = loadClusterConfig({
      REDIS_URL: testEnv.require('REDIS_URL'),
      LAMINA_PORT: '0',
      LAMINA_NAMESPACE: ns,
      LAMINA_CODE_DIR: codeDir,
      LAMINA_STATE_DIR: codeDir,
      LAMINA_REDIS_PREFIX: uniqueName('gws3'),
      LAMINA_S3_ENDPOINT: s3.endpoint,
      LAMINA_S3_ACCESS_KEY_ID: s3.accessKeyId,
      LAMINA_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    const kc = new KubeConfig();
    kc.loadFromDefault();
    gateway = await startClusterGateway({
      config,
      kubeConfig: kc,
      namespace: ns,
      logger: pino({ level: 'silent' }),
    });
    lambda = lambdaClient(gateway.url);
  }, 120_000);

  afterAll(async () => {
    lambda.destroy();
    await gateway.stop();
    await deleteNamespace(ns);
    rmSync(codeDir, { recursive: true, force: true });
  });

  const create = (name: string, key: string) =>
    lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        Code: { S3Bucket: bucket, S3Key: key },
      }),
    );

  it('stores the S3 object as the Function resource code, and relays NoSuchKey', async () => {
    const out = await create('from-s3', 'fn.zip');
    expect(out.CodeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(out.CodeSize).toBe(zip.length);
    const fn = await getJson<{ spec: { code: { sha256: string } } }>([
      'get',
      'functions.lamina.dev',
      'from-s3',
      '-n',
      ns,
    ]);
    expect(fn?.spec.code.sha256).toBe(createHash('sha256').update(zip).digest('hex'));

    const err = (await create('missing', 'nope.zip').then(
      () => undefined,
      (e: unknown) => e,
    )) as { name: string; message: string; $metadata: { httpStatusCode: number } };
    expect({ name: err.name, status: err.$metadata.httpStatusCode, message: err.message }).toEqual({
      name: 'InvalidParameterValueException',
      status: 400,
      message:
        'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
    });
  }, 60_000);
});

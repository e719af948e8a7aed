/**
 * Environment variables at rest in a cluster (issue #18 item 5, ADR 0039), through the unmodified
 * SDK v3 on the real node: the Function and FunctionVersion resources hold no value, only
 * references to a Secret the gateway wrote and the Function owns; the worker pod gets the values;
 * GetFunctionConfiguration returns them as AWS does; a published version keeps its own; an old
 * resource with inline variables moves them to a Secret on its next update; KMSKeyArn names a
 * labelled Secret of the namespace and an unknown one is Lambda's InvalidParameterValueException.
 */
import { randomBytes } from 'node:crypto';

import {
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';
import { kubectl, kubectlOk } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';
import { invokeJson, variablesSecretsOf } from './support/variables-secrets.js';

const SECRET = `value-${randomBytes(6).toString('hex')}`;
const NEXT = `next-${randomBytes(6).toString('hex')}`;
const code = makeZip({
  'index.js': 'exports.handler = async () => ({ secret: process.env.DB_PASSWORD ?? null });',
});

describe('cluster mode: environment variables live in a Secret, not in the Function', () => {
  let lamina: ClusterLamina;
  const fn = uniqueName('env');

  beforeAll(async () => {
    lamina = await startClusterLamina({ name: 'secrets-at-rest' });
  }, 900_000);

  afterAll(async () => {
    await lamina.stop();
  }, 120_000);

  const resource = async (kind: string, name: string): Promise<string> =>
    kubectlOk(['get', '-n', lamina.ns, kind, name, '-o', 'json']);

  const variablesSecrets = () => variablesSecretsOf(lamina.ns, fn);
  const invoke = (qualifier?: string) => invokeJson(lamina.lambda, fn, qualifier);

  const updated = () =>
    waitUntilFunctionUpdatedV2(
      { client: lamina.lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );

  it('an unknown KMS key is refused as Lambda refuses it', async () => {
    const err = await lamina
      .createFunction(uniqueName('nokey'), code, {
        KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/missing-key',
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('keeps the values in an owned Secret, gives them to the pod and returns them', async () => {
    // Without a KMSKeyArn: one key per variable (with one, an envelope: ...-kms.int.test.ts).
    await lamina.createFunction(fn, code, {
      Environment: { Variables: { DB_PASSWORD: SECRET } },
    });
    const cr = await resource('functions.lamina.dev', fn);
    expect(cr).not.toContain(SECRET);
    const spec = JSON.parse(cr) as {
      spec: {
        environment?: {
          variables?: unknown;
          valueFrom?: Record<string, { secretKeyRef: { name: string } }>;
        };
      };
    };
    expect(spec.spec.environment?.variables).toBeUndefined();
    const ref = spec.spec.environment?.valueFrom?.['DB_PASSWORD']?.secretKeyRef.name ?? '';
    const [secret] = await variablesSecrets();
    expect(secret?.metadata.name).toBe(ref);
    expect(secret?.immutable).toBe(true);
    expect(secret?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Function', name: fn }),
    ]);
    expect(Buffer.from(secret?.data?.['DB_PASSWORD'] ?? '', 'base64').toString()).toBe(SECRET);

    const conf = await lamina.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: fn }),
    );
    expect(conf.Environment?.Variables).toEqual({ DB_PASSWORD: SECRET });
    expect(await invoke()).toEqual({ secret: SECRET });
    // Nor does the pod's spec hold it.
    const [pod] = await lamina.podsOf(fn, 'latest');
    expect(await kubectlOk(['get', '-n', lamina.ns, 'pod', pod ?? '', '-o', 'json'])).not.toContain(
      SECRET,
    );
  }, 300_000);

  it('a published version keeps its values; $LATEST moves on to a new Secret', async () => {
    const v1 = await lamina.lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    expect(v1.Version).toBe('1');
    expect(await resource('functionversions.lamina.dev', `${fn}-v1`)).not.toContain(SECRET);
    await lamina.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn,
        Environment: { Variables: { DB_PASSWORD: NEXT } },
      }),
    );
    await updated();
    expect(await resource('functions.lamina.dev', fn)).not.toContain(NEXT);
    // One Secret per distinct set of values still named: version 1's and $LATEST's.
    expect(await variablesSecrets()).toHaveLength(2);
    const latest = await lamina.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: fn }),
    );
    expect(latest.Environment?.Variables).toEqual({ DB_PASSWORD: NEXT });
    const one = await lamina.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: fn, Qualifier: '1' }),
    );
    expect(one.Environment?.Variables).toEqual({ DB_PASSWORD: SECRET });
    await expect
      .poll(async () => invoke(), { timeout: 180_000, interval: 2000 })
      .toEqual({ secret: NEXT });
    expect(await invoke('1')).toEqual({ secret: SECRET });
  }, 420_000);

  it('a Function with inline variables (before ADR 0039) moves them on its next update', async () => {
    const old = uniqueName('legacy');
    await lamina.createFunction(old, code);
    await kubectlOk([
      'patch', '-n', lamina.ns, 'functions.lamina.dev', old, '--type=merge',
      '-p', JSON.stringify({ spec: { environment: { variables: { DB_PASSWORD: SECRET } } } }),
    ]); // prettier-ignore
    await expect
      .poll(
        async () =>
          (await lamina.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: old })))
            .Environment?.Variables,
        { timeout: 30_000 },
      )
      .toEqual({ DB_PASSWORD: SECRET });
    // The operator takes the change first (an update in progress refuses another).
    await waitUntilFunctionUpdatedV2(
      { client: lamina.lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: old },
    );
    await lamina.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: old, Description: 'migrated' }),
    );
    expect(await resource('functions.lamina.dev', old)).not.toContain(SECRET);
    const conf = await lamina.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: old }),
    );
    expect(conf.Environment?.Variables).toEqual({ DB_PASSWORD: SECRET });
  }, 300_000);

  it('deleting the function deletes its Secrets (owner references)', async () => {
    await kubectl(['delete', '-n', lamina.ns, 'functions.lamina.dev', fn, '--timeout=120s']);
    await expect
      .poll(async () => (await variablesSecrets()).length, { timeout: 120_000, interval: 2000 })
      .toBe(0);
  }, 300_000);
});

/**
 * The KMS envelope in a cluster (issue #18 item 5, ADR 0046), through the unmodified SDK v3 on
 * the real node: with a KMSKeyArn the function's variables Secret holds only an envelope under
 * the key Secret the ARN names — `kubectl get secret` shows no value — and no resource or pod spec
 * holds one; the worker pod fetches its variables from the gateway with its Secret's token;
 * GetFunctionConfiguration returns them as AWS does. Removing the key gives Lambda's
 * KMSNotFoundException (502) on invoke and `Environment.Error` on read; a replaced key
 * KMSAccessDeniedException; restoring it heals both.
 */
import { randomBytes } from 'node:crypto';

import {
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { environmentToken } from '@lamina/core';
import { uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';
import { kubectlOk } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';
import { invokeJson, variablesSecretsOf } from './support/variables-secrets.js';

const SECRET = `value-${randomBytes(6).toString('hex')}`;
const code = makeZip({
  'index.js': 'exports.handler = async () => ({ secret: process.env.DB_PASSWORD ?? null });',
});
const KEY = randomBytes(32).toString('base64');

describe('cluster mode: with a KMSKeyArn the variables Secret holds only an envelope', () => {
  let lamina: ClusterLamina;
  const fn = uniqueName('kms');
  const keyArn = 'arn:aws:kms:us-east-1:000000000000:key/envelope-key';

  const applyKey = (key: string, name = 'envelope-key') =>
    kubectlOk(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name,
          namespace: lamina.ns,
          labels: { 'lamina.dev/kms-key': 'true' },
        },
        data: { key },
      }),
    );

  beforeAll(async () => {
    lamina = await startClusterLamina({ name: 'kms-envelope' });
    await applyKey(KEY);
  }, 900_000);

  afterAll(async () => {
    await lamina.stop();
  }, 120_000);

  const variablesSecrets = () => variablesSecretsOf(lamina.ns, fn);
  const invoke = (qualifier?: string) => invokeJson(lamina.lambda, fn, qualifier);

  const configuration = () =>
    lamina.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));

  it('seals the values, gives them to the pod through the gateway and returns them', async () => {
    await lamina.createFunction(fn, code, {
      Environment: { Variables: { DB_PASSWORD: SECRET } },
      KMSKeyArn: keyArn,
    });
    const cr = await kubectlOk(['get', '-n', lamina.ns, 'functions.lamina.dev', fn, '-o', 'json']);
    expect(cr).not.toContain(SECRET);
    const resource = JSON.parse(cr) as {
      metadata: { annotations: Record<string, string> };
      spec: { environment?: unknown };
    };
    expect(resource.spec.environment).toBeUndefined();
    const [secret, ...others] = await variablesSecrets();
    expect(others).toEqual([]);
    expect(resource.metadata.annotations['lamina.dev/sealed-environment']).toBe(
      secret?.metadata.name,
    );
    // What `kubectl get secret` shows: one key, an envelope naming the key, no value.
    expect(Object.keys(secret?.data ?? {})).toEqual(['envelope']);
    const envelope = Buffer.from(secret?.data?.['envelope'] ?? '', 'base64').toString('utf8');
    expect(envelope).not.toContain(SECRET);
    expect(JSON.parse(envelope)).toMatchObject({ v: 1, keyId: 'kms:envelope-key' });

    const conf = await configuration();
    expect(conf.Environment?.Variables).toEqual({ DB_PASSWORD: SECRET });
    expect(conf.Environment?.Error).toBeUndefined();
    expect(conf.KMSKeyArn).toBe(keyArn);
    expect(await invoke()).toEqual({ secret: SECRET });
    const [pod] = await lamina.podsOf(fn, 'latest');
    const podJson = await kubectlOk(['get', '-n', lamina.ns, 'pod', pod ?? '', '-o', 'json']);
    expect(podJson).not.toContain(SECRET);
    expect(podJson).toContain('LAMINA_SEALED_ENVIRONMENT');
  }, 300_000);

  it("answers the pods' route only with the token of that very Secret", async () => {
    const [secret] = await variablesSecrets();
    const name = secret?.metadata.name ?? '';
    const url = `${lamina.gateway.url}/lamina/v1/environment/${name}`;
    expect((await fetch(url)).status).toBe(404);
    const wrong = environmentToken(lamina.codeTokenSecret, `${name}x`);
    expect((await fetch(url, { headers: { 'x-lamina-environment-token': wrong } })).status).toBe(
      404,
    );
    const right = environmentToken(lamina.codeTokenSecret, name);
    const ok = await fetch(url, { headers: { 'x-lamina-environment-token': right } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ variables: { DB_PASSWORD: SECRET } });
  }, 60_000);

  it('a published version shares the envelope; its pods fetch it too', async () => {
    const v1 = await lamina.lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    expect(v1.Version).toBe('1');
    expect(await variablesSecrets()).toHaveLength(1);
    expect(await invoke('1')).toEqual({ secret: SECRET });
  }, 300_000);

  it('a removed key is KMSNotFoundException, a replaced one KMSAccessDenied; restored, it heals', async () => {
    await kubectlOk(['delete', 'secret', '-n', lamina.ns, 'envelope-key']);
    await expect
      .poll(async () => (await configuration()).Environment?.Error?.ErrorCode, { timeout: 30_000 })
      .toBe('KMSNotFoundException');
    expect((await configuration()).Environment?.Variables).toEqual({});
    const notFound = await invoke().catch((e: unknown) => e);
    expect(notFound).toMatchObject({
      name: 'KMSNotFoundException',
      $metadata: { httpStatusCode: 502 },
    });
    expect((notFound as Error).message).toMatch(/KMS key was not found/);
    // A write would lose the values it cannot read: refused with the same answer.
    const update = await lamina.lambda
      .send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, Description: 'x' }))
      .catch((e: unknown) => e);
    expect(update).toMatchObject({ name: 'KMSNotFoundException' });

    await applyKey(randomBytes(32).toString('base64'));
    await expect
      .poll(async () => (await configuration()).Environment?.Error?.ErrorCode, { timeout: 30_000 })
      .toBe('KMSAccessDeniedException');
    const denied = await invoke('1').catch((e: unknown) => e);
    expect(denied).toMatchObject({ name: 'KMSAccessDeniedException' });

    await applyKey(KEY);
    await expect
      .poll(async () => (await configuration()).Environment, { timeout: 30_000 })
      .toEqual({ Variables: { DB_PASSWORD: SECRET } });
    expect(await invoke()).toEqual({ secret: SECRET });
  }, 300_000);

  it('rotates by naming a new key: $LATEST is sealed anew, version 1 stays under the old key', async () => {
    const nextArn = 'arn:aws:kms:us-east-1:000000000000:key/envelope-key-2';
    await applyKey(randomBytes(32).toString('base64'), 'envelope-key-2');
    await lamina.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: fn, KMSKeyArn: nextArn }),
    );
    await waitUntilFunctionUpdatedV2(
      { client: lamina.lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    const conf = await configuration();
    expect(conf.KMSKeyArn).toBe(nextArn);
    expect(conf.Environment).toEqual({ Variables: { DB_PASSWORD: SECRET } });
    const keyIds = (await variablesSecrets()).map(
      (s) =>
        (
          JSON.parse(Buffer.from(s.data?.['envelope'] ?? '', 'base64').toString('utf8')) as {
            keyId: string;
          }
        ).keyId,
    );
    expect(keyIds.sort()).toEqual(['kms:envelope-key', 'kms:envelope-key-2']);
    await expect
      .poll(async () => invoke(), { timeout: 180_000, interval: 2000 })
      .toEqual({ secret: SECRET });
    // The old key still opens version 1; without it, only version 1 fails.
    expect(await invoke('1')).toEqual({ secret: SECRET });
    await kubectlOk(['delete', 'secret', '-n', lamina.ns, 'envelope-key']);
    await expect
      .poll(async () => (await invoke('1').catch((e: unknown) => e)) as object, {
        timeout: 30_000,
      })
      .toMatchObject({ name: 'KMSNotFoundException' });
    expect(await invoke()).toEqual({ secret: SECRET });
  }, 420_000);
});

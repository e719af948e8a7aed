import { createHash } from 'node:crypto';

import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CODE_TOKEN_HEADER, codeToken } from '@lamina/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';
import { kubectlOk } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';

// Code delivery over HTTP on the real node (issue #15): no code volume is shared. The cluster
// gateway (in this process) listens on the node bridge's address, which the pods reach; the operator
// (a real process) gives each worker pod an emptyDir, the gateway's URL and its own code token;
// the pod's agent downloads, verifies and unpacks its code, initialises the runtime, and only
// then turns ready, so the first call is warm.

describe('cluster mode with code over HTTP', () => {
  const fn = 'fetched';
  let lamina: ClusterLamina | undefined;
  const zip = makeZip({
    'index.mjs': `export const handler = async () => ({ code: 'fetched', cwd: process.cwd() });\n`,
  });
  const hex = createHash('sha256').update(zip).digest('hex');
  const l = (): ClusterLamina => {
    if (lamina === undefined) throw new Error('not started');
    return lamina;
  };

  beforeAll(async () => {
    lamina = await startClusterLamina({ name: 'code' });
  }, 600_000);

  afterAll(async () => {
    await lamina?.stop();
  }, 120_000);

  it('a pod fetches its own code into its own volume and serves its first call warm', async () => {
    await l().createFunction(fn, zip, { MemorySize: 512 });
    const r = await l().lambda.send(new InvokeCommand({ FunctionName: fn, LogType: 'Tail' }));
    // Fetched into the pod's cache by hash, copied to /var/task for the runtime (ADR 0029).
    expect(JSON.parse(new TextDecoder().decode(r.Payload))).toEqual({
      code: 'fetched',
      cwd: '/var/task',
    });
    const log = Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
    expect(log).toMatch(/^REPORT RequestId: /m);
    // Init ran when the pod started, before it was ready.
    expect(log).not.toContain('Init Duration');

    const spec = JSON.parse(
      await kubectlOk([
        'get',
        'deployments',
        '-n',
        l().ns,
        '-l',
        `lamina.dev/function=${fn}`,
        '-o',
        'json',
      ]),
    ) as { items: { spec: { template: { spec: { volumes: Record<string, unknown>[] } } } }[] };
    const volumes = spec.items[0]?.spec.template.spec.volumes ?? [];
    expect(volumes.some((v) => 'persistentVolumeClaim' in v)).toBe(false);
    expect(volumes).toContainEqual({ name: 'code', emptyDir: { sizeLimit: '250Mi' } });
  }, 300_000);

  it("the code route serves a package only with that package's token", async () => {
    const url = `${l().gateway.url}/lamina/v1/code/${hex}`;
    expect((await fetch(url)).status).toBe(404);
    const other = await fetch(url, {
      headers: { [CODE_TOKEN_HEADER]: codeToken(l().codeTokenSecret, 'a'.repeat(64)) },
    });
    expect(other.status).toBe(404);
    const own = await fetch(url, {
      headers: { [CODE_TOKEN_HEADER]: codeToken(l().codeTokenSecret, hex) },
    });
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer()).equals(Buffer.from(zip))).toBe(true);
  });
});

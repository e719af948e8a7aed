/**
 * The sandbox's checks in a worker pod on the test kubelet (ADR 0029, issue #17): the runtime has
 * Lambda's 1,024 open files (the agent lowers RLIMIT_NOFILE when it spawns it), `/tmp` is the
 * pod's own emptyDir sized by EphemeralStorage, and the pod's filesystem holds the function's own
 * code and no other function's. What a pod does not give (ENOSPC at the size: the kubelet evicts
 * instead; the fork bomb: bounded by the node's podPidsLimit) is written in the ADR, not tested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { uniqueName } from '@lamina/testkit';

import { makeZip } from '../support/zip.js';
import { getJson } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';

const code = makeZip({
  'index.js': `
const fs = require('node:fs');
exports.handler = async (event) => {
  const fds = [];
  let code;
  try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch (err) { code = err.code; }
  fs.closeSync(fds.pop());
  const open = fs.readdirSync('/proc/self/fd').length; // the directory being read takes the freed one
  for (const fd of fds) fs.closeSync(fd);
  fs.writeFileSync(process.env.TMPDIR + '/probe', 'x');
  return {
    code,
    open,
    tmpdir: process.env.TMPDIR,
    own: fs.existsSync(process.env.LAMBDA_TASK_ROOT + '/index.js'),
    other: fs.existsSync(event.other),
  };
};
`,
});

describe('cluster mode: a worker pod gives the sandbox limits', () => {
  let lamina: ClusterLamina;

  beforeAll(async () => {
    lamina = await startClusterLamina({ name: 'sandbox' });
  }, 600_000);

  afterAll(async () => {
    await lamina.stop();
  }, 120_000);

  it('1,024 open files, /tmp an emptyDir of EphemeralStorage, only its own code', async () => {
    const fn = uniqueName('boxed');
    await lamina.createFunction(fn, code, { EphemeralStorage: { Size: 700 } });
    const out = await lamina.lambda.send(
      new InvokeCommand({
        FunctionName: fn,
        Payload: JSON.stringify({ other: '/var/lamina/code-cache/0000' }),
      }),
    );
    const body = JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(out.FunctionError, JSON.stringify(body)).toBeUndefined();
    expect(body).toMatchObject({ code: 'EMFILE', open: 1024, own: true, other: false });
    expect(String(body['tmpdir'])).toMatch(/^\/tmp\//);
    const deployment = await lamina.deploymentOf(fn);
    expect(deployment).toBeDefined();
    const full = await getJson<{
      spec: {
        template: { spec: { volumes: { name: string; emptyDir?: { sizeLimit?: string } }[] } };
      };
    }>(['get', 'deployment', deployment?.metadata.name ?? '', '-n', lamina.ns]);
    const tmp = full?.spec.template.spec.volumes.find((v) => v.name === 'tmp');
    expect(tmp?.emptyDir?.sizeLimit).toBe('700Mi');
  });
});

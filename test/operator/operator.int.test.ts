import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import {
  buildOperator,
  createNamespace,
  deleteNamespace,
  getJson,
  installCrds,
  kubectlOk,
  startOperator,
  type OperatorProcess,
} from './support/cluster.js';
import {
  eventsOf,
  getDeployment,
  getFunction,
  getSecret,
  ownedNames,
  waitForStatus,
} from './support/resources.js';

// One real operator process against the real API server (and kube-controller-manager, which
// turns Deployments into ReplicaSets). The test node has no image for the default worker tag
// and pulls nothing (pull policy Never), so these environments never become ready; the running
// path is test/operator/cluster-invoke.int.test.ts.

const SHA = 'c'.repeat(64);
const fn = (name: string, extra = ''): string => `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata:
  name: ${name}
spec:
  runtime: nodejs22.x
  handler: index.handler
  memorySize: 1769
  ephemeralStorage:
    size: 2048
  code:
    sha256: ${SHA}
${extra}`;

describe('operator: Function → Deployment + Secret + status', () => {
  let ns = '';
  let op: OperatorProcess;

  beforeAll(async () => {
    await Promise.all([installCrds(), buildOperator()]);
    ns = await createNamespace('op');
    op = startOperator({ namespace: ns, identity: 'op-solo' });
  });

  afterAll(async () => {
    if (op.child.exitCode === null) op.child.kill('SIGKILL');
    await deleteNamespace(ns);
  });

  it('creates the worker Deployment, the environment Secret, a finalizer and status', async () => {
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      fn('hello', '  environment:\n    variables:\n      GREETING: hi\n'),
    );
    const d = await eventually(() => getDeployment(ns, 'hello-latest'), {
      what: 'deployment hello-latest',
    });
    const pod = d.spec.template.spec;
    expect(d.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Function',
      name: 'hello',
      controller: true,
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0]!.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    // The memory limit also holds the memory-backed /tmp (ADR 0029); the request does not.
    expect(pod.containers[0]!.resources).toMatchObject({
      requests: { memory: '1833Mi' },
      limits: { cpu: '1', memory: '3881Mi' },
    });
    expect(pod.containers[0]!.image).toBe('lamina/worker-nodejs22:0.1.0');
    expect(pod.volumes.find((v) => v.name === 'tmp')?.emptyDir?.sizeLimit).toBe('2Gi');

    const s = await eventually(() => getSecret(ns, 'hello-env'), { what: 'secret hello-env' });
    expect(Buffer.from(s.data?.['GREETING'] ?? '', 'base64').toString()).toBe('hi');
    expect(s.metadata.ownerReferences?.[0]?.name).toBe('hello');

    const f = await waitForStatus(
      ns,
      'hello',
      'status written',
      (x) => x.status?.observedGeneration === 1,
    );
    expect(f.metadata.finalizers).toContain('lamina.dev/cleanup');
    expect(f.status).toMatchObject({
      state: 'Pending', // its one environment never becomes ready (no image on the node)
      codeSha256: SHA,
      readyEnvironments: 0,
      deploymentName: 'hello-latest',
    });
    expect(f.status?.conditions?.map((c) => c.type).sort()).toEqual(['Ready', 'Reconciled']);
    const events = await eventually(
      async () => {
        const e = await eventsOf(ns, 'hello');
        return e.some((x) => x.reason === 'Created') ? e : undefined;
      },
      { what: 'Created event' },
    );
    expect(events.find((e) => e.reason === 'Created')?.reportingInstance).toBe('op-solo');
  });

  it('is Active at once when it keeps no warm environment (scale from zero)', async () => {
    await kubectlOk(['apply', '-n', ns, '-f', '-'], fn('cold', '  provisionedConcurrency: 0\n'));
    const f = await waitForStatus(ns, 'cold', 'Active', (x) => x.status?.state === 'Active');
    expect(f.status?.lastUpdateStatus).toBe('Successful');
    expect(f.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      observedGeneration: 1,
    });
  });

  it('rolls a new environment spec when the Function changes', async () => {
    const before = await eventually(() => getDeployment(ns, 'hello-latest'), {
      what: 'deployment',
    });
    const hash = before.spec.template.metadata.annotations?.['lamina.dev/config-hash'];
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      fn('hello', '  environment:\n    variables:\n      GREETING: hello again\n'),
    );
    const after = await eventually(
      async () => {
        const d = await getDeployment(ns, 'hello-latest');
        const h = d?.spec.template.metadata.annotations?.['lamina.dev/config-hash'];
        return h !== undefined && h !== hash ? d : undefined;
      },
      { what: 'new template' },
    );
    expect(after.metadata.generation).toBeGreaterThan(before.metadata.generation ?? 0);
    const s = await getSecret(ns, 'hello-env');
    expect(Buffer.from(s?.data?.['GREETING'] ?? '', 'base64').toString()).toBe('hello again');
    // kube-controller-manager rolls it: a second ReplicaSet for the new template.
    await eventually(
      async () => {
        const rs = await ownedNames(ns, 'replicasets', 'hello');
        return rs.length >= 2 ? rs : undefined;
      },
      { what: 'second ReplicaSet' },
    );
    await waitForStatus(
      ns,
      'hello',
      'generation 2 observed',
      (x) => x.status?.observedGeneration === 2,
    );
  });

  it('marks a Function Failed when core refuses it (reserved variable), without retrying hot', async () => {
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      fn('reserved', '  environment:\n    variables:\n      AWS_REGION: eu-west-1\n'),
    );
    const f = await waitForStatus(ns, 'reserved', 'Failed', (x) => x.status?.state === 'Failed');
    expect(f.status).toMatchObject({
      lastUpdateStatus: 'Failed',
      stateReasonCode: 'InvalidParameterValueException',
    });
    expect(f.status?.stateReason).toMatch(/reserved keys .* AWS_REGION/);
    expect(await getDeployment(ns, 'reserved-latest')).toBeUndefined();
    const warn = await eventually(
      async () => {
        const e = await eventsOf(ns, 'reserved');
        return e.find((x) => x.type === 'Warning');
      },
      { what: 'Warning event' },
    );
    expect(warn.reason).toBe('InvalidParameterValueException');
  });

  it('shows a refused apply in status and retries with backoff until the cluster accepts it', async () => {
    // A quota of zero Deployments makes the API server refuse the worker Deployment.
    await kubectlOk([
      'create',
      'quota',
      'no-deployments',
      '-n',
      ns,
      '--hard=count/deployments.apps=0',
    ]);
    await eventually(
      async () => {
        const q = await getJson<{ status?: { hard?: Record<string, string> } }>([
          'get',
          'quota',
          'no-deployments',
          '-n',
          ns,
        ]);
        return q?.status?.hard ? q : undefined;
      },
      { what: 'quota counted' },
    );
    await kubectlOk(['apply', '-n', ns, '-f', '-'], fn('quota'));
    const failed = await waitForStatus(
      ns,
      'quota',
      'failed update',
      (x) => x.status?.lastUpdateStatus === 'Failed',
    );
    expect((failed.status as { lastUpdateStatusReason?: string }).lastUpdateStatusReason).toMatch(
      /exceeded quota/,
    );
    expect(failed.status?.conditions?.find((c) => c.type === 'Reconciled')).toMatchObject({
      status: 'False',
      reason: 'ApplyFailed',
    });
    await kubectlOk(['delete', 'quota', 'no-deployments', '-n', ns]);
    // The backoff retry (1 s, 2 s, 4 s, …) gets through once the quota is gone.
    await eventually(() => getDeployment(ns, 'quota-latest'), {
      what: 'deployment after retry',
      timeoutMs: 60_000,
    });
    await waitForStatus(
      ns,
      'quota',
      'recovered',
      (x) => x.status?.lastUpdateStatus !== 'Failed',
      60_000,
    );
  });

  it('gives each FunctionVersion its own Deployment, owned by the version, which the Function adopts', async () => {
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: lamina.dev/v1alpha1
kind: FunctionVersion
metadata:
  name: hello-v1
spec:
  functionName: hello
  version: "1"
  function:
    runtime: nodejs22.x
    handler: index.handler
    memorySize: 512
    code:
      sha256: ${SHA}
`,
    );
    const d = await eventually(() => getDeployment(ns, 'hello-v1'), {
      what: 'deployment hello-v1',
    });
    expect(d.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'FunctionVersion',
      name: 'hello-v1',
    });
    expect(d.spec.template.spec.containers[0]!.resources).toMatchObject({
      requests: { memory: '576Mi' },
      limits: { memory: '1088Mi' },
    });
    const fv = await eventually(
      async () => {
        const v = await getJson<{
          metadata: { ownerReferences?: { kind: string; name: string }[] };
          status?: { state?: string };
        }>(['get', 'functionversions.lamina.dev', 'hello-v1', '-n', ns]);
        return v?.metadata.ownerReferences?.some(
          (r) => r.kind === 'Function' && r.name === 'hello',
        ) && v.status?.state
          ? v
          : undefined;
      },
      { what: 'version adopted by its Function' },
    );
    expect(fv.status?.state).toBe('Pending');
    await waitForStatus(
      ns,
      'hello',
      'latestVersion 1',
      (x) => (x.status as { latestVersion?: string } | undefined)?.latestVersion === '1',
    );
  });

  it('leaves nothing behind when a Function is deleted', async () => {
    await kubectlOk([
      'delete',
      'functions.lamina.dev',
      'hello',
      '-n',
      ns,
      '--wait=true',
      '--timeout=30s',
    ]);
    expect(await getFunction(ns, 'hello')).toBeUndefined();
    await eventually(
      async () => {
        const left = [
          ...(await ownedNames(ns, 'deployments', 'hello')),
          ...(await ownedNames(ns, 'replicasets', 'hello')),
          ...(await ownedNames(ns, 'secrets', 'hello')),
          ...(await ownedNames(ns, 'pods', 'hello')),
        ];
        return left.length === 0 ? true : undefined;
      },
      { what: 'owned objects collected', timeoutMs: 60_000 },
    );
  });

  it('stops on SIGTERM: exits 0 and releases its Lease', async () => {
    op.child.kill('SIGTERM');
    expect(await op.exited).toBe(0);
    const lease = await getJson<{ spec: { holderIdentity?: string } }>([
      'get',
      'lease',
      'lamina-operator',
      '-n',
      ns,
    ]);
    const leaseLogs = op
      .logs()
      .split('\n')
      .filter((l) => /lease|stop/i.test(l))
      .join('\n');
    expect(lease?.spec.holderIdentity ?? '', leaseLogs).toBe('');
  });
});

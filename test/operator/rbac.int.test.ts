import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import {
  ROOT,
  buildOperator,
  command,
  createNamespace,
  deleteNamespace,
  installCrds,
  kubectl,
  kubectlOk,
  startOperator,
  type OperatorProcess,
} from './support/cluster.js';
import { eventsOf, getDeployment, getFunction, waitForStatus } from './support/resources.js';

// The chart's RBAC is enough, and no more is needed: the operator runs with a token of the
// chart's own ServiceAccount (namespace-scoped install) and does its whole job with it.

describe("operator with the chart's least-privilege RBAC", () => {
  let ns = '';
  let op: OperatorProcess | undefined;

  beforeAll(async () => {
    const helm = await command(join(ROOT, 'test/operator/tools/install-helm.sh'), []);
    if (helm.code !== 0) throw new Error(helm.stderr);
    await Promise.all([installCrds(), buildOperator()]);
    ns = await createNamespace('rbac');
    const rendered = await command(helm.stdout.trim(), [
      'template',
      'lamina',
      join(ROOT, 'charts/lamina'),
      '-n',
      ns,
      '--set',
      `watchNamespace=${ns}`,
      '--set',
      'gateway.enabled=false',
      '--set',
      'dispatcher.enabled=false',
      '--set',
      'poller.enabled=false',
      // The operator runs on the host with the chart's token; its Deployment must not run a
      // second operator on the test node.
      '--set',
      'operator.replicas=0',
    ]);
    await kubectlOk(['apply', '-n', ns, '-f', '-'], rendered.stdout);
  }, 900_000);

  afterAll(async () => {
    if (op?.child.exitCode === null) op.child.kill('SIGKILL');
    await deleteNamespace(ns);
  });

  it('reconciles, writes status and Events, and finalizes as system:serviceaccount:<ns>:lamina-operator', async () => {
    const token = (
      await kubectlOk(['create', 'token', 'lamina-operator', '-n', ns, '--duration=1h'])
    ).trim();
    const server = (
      await kubectlOk([
        'config',
        'view',
        '--minify',
        '-o',
        'jsonpath={.clusters[0].cluster.server}',
      ])
    ).trim();
    const ca = (
      await kubectlOk([
        'config',
        'view',
        '--minify',
        '--raw',
        '-o',
        'jsonpath={.clusters[0].cluster.certificate-authority-data}',
      ])
    ).trim();
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'lamina-rbac-')), 'sa.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': ca } }],
        users: [{ name: 'sa', user: { token } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'sa', namespace: ns } }],
        'current-context': 'c',
      }),
    );
    // The ServiceAccount may not do what it was not given.
    const denied = await kubectl(['--kubeconfig', kubeconfig, 'get', 'secrets', '-n', 'default']);
    expect(denied.stderr).toMatch(/forbidden/);

    op = startOperator({
      namespace: ns,
      identity: 'op-rbac',
      leaseName: 'lamina-operator',
      env: { KUBECONFIG: kubeconfig },
    });
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata:
  name: scoped
spec:
  runtime: java21
  handler: example.App::handleRequest
  code:
    sha256: ${'f'.repeat(64)}
  environment:
    variables:
      MODE: strict
`,
    );
    await eventually(() => getDeployment(ns, 'scoped-latest'), { what: 'deployment' });
    await waitForStatus(ns, 'scoped', 'status', (f) => f.status?.observedGeneration === 1);
    const events = await eventually(
      async () => {
        const e = await eventsOf(ns, 'scoped');
        return e.length > 0 ? e : undefined;
      },
      { what: 'events' },
    );
    expect(events[0]?.reportingInstance).toBe('op-rbac');
    await kubectlOk([
      'delete',
      'functions.lamina.dev',
      'scoped',
      '-n',
      ns,
      '--wait=true',
      '--timeout=30s',
    ]);
    expect(await getFunction(ns, 'scoped')).toBeUndefined();
    expect(op.logs()).not.toMatch(/forbidden/i);
  });
});

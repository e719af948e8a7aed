import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

import {
  ROOT,
  command,
  createNamespace,
  deleteNamespace,
  installCrds,
  kubectl,
  kubectlOk,
} from './support/cluster.js';

// The chart renders, lints clean and is accepted by the real API server (server-side dry run);
// deploy/ is what the chart renders (never drifts) and applies for real.

const errorsOf = (stderr: string): string[] =>
  stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Warning:'));

describe('Helm chart and deploy/', () => {
  let helm = '';
  let ns = '';

  beforeAll(async () => {
    const r = await command(join(ROOT, 'test/operator/tools/install-helm.sh'), []);
    if (r.code !== 0) throw new Error(`install-helm.sh failed: ${r.stderr}`);
    helm = r.stdout.trim();
    await installCrds();
    ns = await createNamespace('chart');
  }, 900_000);

  afterAll(async () => {
    await deleteNamespace(ns);
    // What 'applies deploy/ cleanly' created (the CRDs stay: other suites share them).
    await kubectl([
      'delete',
      '--ignore-not-found',
      '--wait=false',
      '-f',
      join(ROOT, 'deploy/lamina.yaml'),
    ]);
    await kubectl([
      'delete',
      '--ignore-not-found',
      '--wait=false',
      '-f',
      join(ROOT, 'deploy/namespace.yaml'),
    ]);
  });

  it('passes helm lint --strict', async () => {
    const r = await command(helm, ['lint', '--strict', join(ROOT, 'charts/lamina')]);
    expect(r.stdout).toContain('0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  it.each([
    ['default values', (): string[] => []],
    [
      'one watched namespace (Roles instead of ClusterRoles)',
      (): string[] => ['--set', `watchNamespace=${ns}`],
    ],
    [
      'gateway callers restricted (dispatcher and poller still allowed)',
      (): string[] => [
        '--set-json',
        'gateway.allowedClients=[{"namespaceSelector":{"matchLabels":{"team":"a"}}}]',
      ],
    ],
    [
      'code from S3: an endpoint and a credentials Secret',
      (): string[] => [
        '--set',
        'gateway.s3.endpoint=http://s3.example:8333',
        '--set',
        'gateway.s3.region=eu-west-1',
        '--set',
        'gateway.s3.credentialsSecret=lamina-s3',
      ],
    ],
    [
      'no NetworkPolicies or PDBs',
      (): string[] => [
        '--set',
        'networkPolicy.enabled=false',
        '--set',
        'podDisruptionBudget.enabled=false',
      ],
    ],
  ])('helm template | kubectl apply --dry-run=server: %s', async (_name, args) => {
    const rendered = await command(helm, [
      'template',
      'lamina',
      join(ROOT, 'charts/lamina'),
      '-n',
      ns,
      ...args(),
    ]);
    expect(rendered.code).toBe(0);
    const r = await kubectl(['apply', '--dry-run=server', '-n', ns, '-f', '-'], rendered.stdout);
    // Warnings (e.g. about objects a previous run left behind) are not failures.
    expect(errorsOf(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deployment\.apps\/lamina-operator created \(server dry run\)/);
  });

  it("gives the gateway the S3 endpoint and the Secret's keys for code from S3", async () => {
    const r = await command(helm, [
      'template',
      'x',
      join(ROOT, 'charts/lamina'),
      '--set',
      'gateway.s3.endpoint=https://s3.eu-west-1.amazonaws.com',
      '--set',
      'gateway.s3.forcePathStyle=false',
      '--set',
      'gateway.s3.credentialsSecret=lamina-s3',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /- name: LAMINA_S3_ENDPOINT\n\s+value: "https:\/\/s3\.eu-west-1\.amazonaws\.com"\n\s+- name: LAMINA_S3_FORCE_PATH_STYLE\n\s+value: "false"/,
    );
    expect(r.stdout).toMatch(
      /- name: LAMINA_S3_SECRET_ACCESS_KEY\n\s+valueFrom:\n\s+secretKeyRef: \{ name: "lamina-s3", key: secretAccessKey \}/,
    );
    const none = await command(helm, ['template', 'x', join(ROOT, 'charts/lamina')]);
    expect(none.stdout).not.toContain('LAMINA_S3_');
  });

  it('passes operator.worker.agentImage to the operator (the agent beside image functions)', async () => {
    const r = await command(helm, [
      'template',
      'x',
      join(ROOT, 'charts/lamina'),
      '--set',
      'global.imageRegistry=registry.example/',
      '--set',
      'operator.worker.agentImage=lamina/worker-nodejs22:9.9.9',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /- name: LAMINA_WORKER_AGENT_IMAGE\s+value: "registry\.example\/lamina\/worker-nodejs22:9\.9\.9"/,
    );
    const without = await command(helm, ['template', 'x', join(ROOT, 'charts/lamina')]);
    expect(without.stdout).not.toContain('LAMINA_WORKER_AGENT_IMAGE');
  });

  it('refuses an unpinned image', async () => {
    const r = await command(helm, [
      'template',
      'x',
      join(ROOT, 'charts/lamina'),
      '--set',
      'gateway.image.tag=latest',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/gateway\/image\/tag|pin image.tag/);
  });

  it('refuses bad values through values.schema.json', async () => {
    const r = await command(helm, [
      'template',
      'x',
      join(ROOT, 'charts/lamina'),
      '--set',
      'gateway.replicas=-1',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('/gateway/replicas');
  });

  it('renders a ServiceMonitor only where the Prometheus Operator API exists', async () => {
    const chart = join(ROOT, 'charts/lamina');
    const withApi = await command(helm, [
      'template',
      'x',
      chart,
      '--set',
      'serviceMonitor.enabled=true',
      '--api-versions',
      'monitoring.coreos.com/v1/ServiceMonitor',
    ]);
    expect(withApi.stdout).toContain('kind: ServiceMonitor');
    const without = await command(helm, [
      'template',
      'x',
      chart,
      '--set',
      'serviceMonitor.enabled=true',
    ]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain('needs the monitoring.coreos.com/v1 ServiceMonitor CRD');
  });

  it('renders the alert rules, the Grafana dashboard and the tracing endpoint from their files', async () => {
    const chart = join(ROOT, 'charts/lamina');
    const r = await command(helm, [
      'template',
      'x',
      chart,
      '--set',
      'prometheusRule.enabled=true',
      '--set',
      'grafanaDashboard.enabled=true',
      '--set',
      'tracing.otlpEndpoint=http://collector:4318',
      '--api-versions',
      'monitoring.coreos.com/v1/PrometheusRule',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, unknown>);
    const rule = docs.find((d) => d['kind'] === 'PrometheusRule') as { spec: unknown } | undefined;
    const file = parse(readFileSync(join(chart, 'rules/lamina-alerts.yaml'), 'utf8')) as unknown;
    expect(rule?.spec).toEqual(file);
    const dashboard = docs.find(
      (d) => d['kind'] === 'ConfigMap' && JSON.stringify(d).includes('grafana_dashboard'),
    ) as { data: Record<string, string> } | undefined;
    expect(JSON.parse(dashboard?.data['lamina-functions.json'] ?? '{}')).toEqual(
      JSON.parse(readFileSync(join(chart, 'dashboards/lamina-functions.json'), 'utf8')),
    );
    expect(r.stdout).toContain('name: OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(r.stdout).toContain('value: "lamina-dispatcher"');
    const without = await command(helm, [
      'template',
      'x',
      chart,
      '--set',
      'prometheusRule.enabled=true',
    ]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain('needs the monitoring.coreos.com/v1 PrometheusRule CRD');
  });

  it('keeps deploy/ equal to what the chart renders', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lamina-deploy-'));
    const r = await command('bash', [join(ROOT, 'deploy/generate.sh')], undefined, {
      LAMINA_DEPLOY_OUT: out,
      HELM: helm,
    });
    expect(r.code, r.stderr).toBe(0);
    for (const f of readdirSync(out)) {
      expect(
        readFileSync(join(ROOT, 'deploy', f), 'utf8'),
        `deploy/${f} is stale: run deploy/generate.sh`,
      ).toBe(readFileSync(join(out, f), 'utf8'));
    }
  });

  it('applies deploy/ cleanly (CRDs, namespace, everything else)', async () => {
    const files = ['deploy/crds', 'deploy/namespace.yaml', 'deploy/lamina.yaml'].flatMap((f) => [
      '-f',
      join(ROOT, f),
    ]);
    // The platform's pods have no images on the test node and must not try to pull any: a
    // quota of zero pods keeps the applied Deployments from making pods at all.
    await kubectlOk(['apply', '-f', join(ROOT, 'deploy/namespace.yaml')]);
    await kubectlOk(
      ['apply', '-n', 'lamina-system', '-f', '-'],
      'apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: no-pods-in-tests\nspec:\n  hard:\n    pods: "0"\n',
    );
    const r = await kubectl(['apply', '--server-side', '--force-conflicts', ...files]);
    expect(errorsOf(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps/lamina-gateway serverside-applied');
  });
});

/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1PodSpec, ...) are classes with public data fields only. */
import type { V1PodSpec } from '@kubernetes/client-node';
import { functionSpecSchema } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../config.js';
import { buildWorkerDeployment, type WorkerDeploymentInput } from './deployment.js';
import { egressGroupsOf, egressLabels } from './isolation.js';
import { buildPoolDeployment } from './pool-deployment.js';

const HTTP = {
  LAMINA_WORKER_CODE_DELIVERY: 'http',
  LAMINA_WORKER_CODE_URL: 'http://gw:8080',
  LAMINA_CODE_TOKEN_SECRET: 's'.repeat(32),
  LAMINA_REDIS_URL: 'redis://:password@redis:6379',
};
const owner = { apiVersion: 'lamina.dev/v1alpha1', kind: 'Function', name: 'f', uid: 'u' };

function versionPod(
  env: Record<string, string>,
  spec: object = {},
  more: Partial<WorkerDeploymentInput> = {},
): V1PodSpec {
  const d = buildWorkerDeployment({
    namespace: 'team-a',
    functionName: 'f',
    version: '$LATEST',
    spec: functionSpecSchema.parse({
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      code: { sha256: 'a'.repeat(64) },
      ...spec,
    }),
    owner,
    secretName: 'f-env',
    environmentHash: 'h',
    replicas: 1,
    worker: loadConfig(env).worker,
    ...more,
  });
  return d.spec!.template.spec!;
}

function poolPod(env: Record<string, string>): V1PodSpec {
  const c = loadConfig(env);
  return buildPoolDeployment({
    namespace: 'team-a',
    runtime: 'nodejs22.x',
    replicas: 1,
    pool: c.warmPool,
    worker: c.worker,
  }).spec!.template.spec!;
}

const LOCKED = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('worker pod isolation', () => {
  const image = { code: { image: 'registry.local/fn:1' }, runtime: undefined, handler: undefined };
  const pods: [string, (env: Record<string, string>) => V1PodSpec][] = [
    ['a zip function', (env) => versionPod(env)],
    ['an image function', (env) => versionPod(env, image)],
    ['a warm-pool pod', poolPod],
  ];

  it.each(pods)('%s: no token, a dedicated account, every container locked down', (_, pod) => {
    const spec = pod({ ...HTTP, LAMINA_WORKER_SERVICE_ACCOUNT: 'lamina-worker' });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBe('lamina-worker');
    expect(spec.enableServiceLinks).toBe(false);
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.containers.length).toBeGreaterThan(0);
    for (const c of spec.containers) expect(c.securityContext).toMatchObject(LOCKED);
  });

  it.each(pods)('%s: without a configured account, still no token', (_, pod) => {
    const spec = pod(HTTP);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBeUndefined();
  });

  it.each(pods)('%s: no Redis address or password reaches the pod', (_, pod) => {
    const env = pod(HTTP).containers.flatMap((c) => c.env ?? []);
    expect(env.map((e) => e.name)).not.toContain('LAMINA_REDIS_URL');
    expect(JSON.stringify(env)).not.toContain('password');
  });
});

describe('egress groups', () => {
  it('reads an annotation: comma or space separated, deduplicated, sorted', () => {
    expect(egressGroupsOf('redis, kafka  redis,')).toEqual({
      groups: ['kafka', 'redis'],
      invalid: [],
    });
    expect(egressGroupsOf(undefined)).toEqual({ groups: [], invalid: [] });
    expect(egressGroupsOf('  ')).toEqual({ groups: [], invalid: [] });
  });

  it('refuses names that cannot be label names', () => {
    const long = 'x'.repeat(64);
    expect(egressGroupsOf(`ok-1,-bad,a/b,${long},sg-0a1B.c_d`)).toEqual({
      groups: ['ok-1', 'sg-0a1B.c_d'],
      invalid: ['-bad', 'a/b', long],
    });
  });

  it('labels the pods of a function, not the Deployment selector', () => {
    const d = buildWorkerDeployment({
      namespace: 'team-a',
      functionName: 'f',
      version: '$LATEST',
      spec: functionSpecSchema.parse({
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        code: { sha256: 'a'.repeat(64) },
      }),
      owner,
      secretName: 'f-env',
      environmentHash: 'h',
      replicas: 1,
      worker: loadConfig(HTTP).worker,
      egressGroups: ['redis'],
    });
    expect(d.spec!.template.metadata!.labels).toMatchObject(egressLabels(['redis']));
    expect(egressLabels(['redis'])).toEqual({ 'egress.lamina.dev/redis': 'allow' });
    expect(d.spec!.selector.matchLabels).not.toHaveProperty('egress.lamina.dev/redis');
    expect(versionPod(HTTP)).toBeDefined();
    const plain = versionPod(HTTP, {}, { egressGroups: [] });
    expect(JSON.stringify(plain)).not.toContain('egress.lamina.dev');
  });
});

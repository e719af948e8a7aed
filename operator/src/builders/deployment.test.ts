/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import { codeToken, environmentToken } from '@lamina/core';
import { functionSpecSchema } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../config.js';
import {
  ANNOTATIONS,
  buildWorkerDeployment,
  workerImage,
  type WorkerDeploymentInput,
} from './deployment.js';
import { workerResources } from './resources.js';

const worker = loadConfig({}).worker;
const owner = {
  apiVersion: 'lamina.dev/v1alpha1',
  kind: 'Function',
  name: 'hello',
  uid: 'u1',
  controller: true,
};

function input(spec: object, more: Partial<WorkerDeploymentInput> = {}): WorkerDeploymentInput {
  return {
    namespace: 'team-a',
    functionName: 'hello',
    version: '$LATEST',
    spec: functionSpecSchema.parse({
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      code: { sha256: 'a'.repeat(64) },
      ...spec,
    }),
    owner,
    secretName: 'hello-env',
    environmentHash: 'h1',
    replicas: 1,
    worker,
    ...more,
  };
}

describe('buildWorkerDeployment', () => {
  it('locks the pod down', () => {
    const d = buildWorkerDeployment(input({}));
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(d.metadata!.ownerReferences).toEqual([owner]);
    expect(d.metadata!.name).toBe('hello-latest');
  });

  it('makes /tmp a tmpfs of ephemeral storage, counted in the memory limit only', () => {
    const d = buildWorkerDeployment(input({ memorySize: 1769, ephemeralStorage: { size: 2048 } }));
    const pod = d.spec!.template.spec!;
    expect(pod.volumes!.find((v) => v.name === 'tmp')!.emptyDir).toEqual({
      medium: 'Memory',
      sizeLimit: '2048Mi',
    });
    expect(pod.containers[0]!.resources).toEqual({
      requests: { cpu: '50m', memory: '1833Mi' },
      limits: { cpu: '1000m', memory: '3881Mi' },
    });
  });

  it('requests little CPU by default, the limit when told, never more than the limit', () => {
    expect(workerResources(512, 64, { millicpu: 50 })).toEqual({
      requests: { cpu: '50m', memory: '576Mi' },
      limits: { cpu: '290m', memory: '576Mi' },
    });
    expect(workerResources(512, 64, 'limit').requests).toEqual({ cpu: '290m', memory: '576Mi' });
    expect(workerResources(64, 0, { millicpu: 500 }).requests!['cpu']).toBe('37m');
    const guaranteed = loadConfig({ LAMINA_WORKER_CPU_REQUEST: 'limit' }).worker;
    const pod = buildWorkerDeployment(input({ memorySize: 512 }, { worker: guaranteed })).spec!
      .template.spec!;
    expect(pod.containers[0]!.resources!.requests!['cpu']).toBe('290m');
    expect(() => loadConfig({ LAMINA_WORKER_CPU_REQUEST: '0.5' })).toThrow(/millicores/);
  });

  it('gives the code a /var/task of its own and kills strays in one PID namespace', () => {
    const d = buildWorkerDeployment(input({}));
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.volumes).toContainEqual({ name: 'task', emptyDir: { sizeLimit: '250Mi' } });
    expect(c.volumeMounts).toContainEqual({ name: 'task', mountPath: '/var/task', readOnly: true });
    expect(c.volumeMounts).toContainEqual({ name: 'task', mountPath: '/var/lamina/task' });
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      LAMINA_TASK_DIR: '/var/lamina/task',
      LAMINA_TASK_VIEW: '/var/task',
      LAMINA_KILL_STRAYS: 'true',
    });
    expect(pod.shareProcessNamespace).toBe(true);
  });

  it('gives CPU in proportion to memory', () => {
    expect(workerResources(128, 0).limits).toEqual({ cpu: '73m', memory: '128Mi' });
    expect(workerResources(10240, 0).limits!['cpu']).toBe('5789m');
  });

  it('pins worker images', () => {
    expect(workerImage(input({}).spec, worker)).toBe('lamina/worker-nodejs22:0.1.0');
    expect(workerImage(input({ runtime: 'python3.12' }).spec, worker)).toBe(
      'lamina/worker-python3.12:0.1.0',
    );
  });

  it('projects plain and referenced variables into one read-only directory', () => {
    const d = buildWorkerDeployment(
      input({
        environment: {
          variables: { A: '1' },
          valueFrom: { DB: { secretKeyRef: { name: 'db', key: 'pw' } } },
        },
      }),
    );
    const env = d.spec!.template.spec!.volumes!.find((v) => v.name === 'environment')!;
    expect(env.projected!.sources).toEqual([
      { secret: { name: 'hello-env' } },
      { secret: { name: 'db', items: [{ key: 'pw', path: 'DB' }] } },
    ]);
  });

  it('is pure, and a new environment rolls the pods', () => {
    const a = buildWorkerDeployment(input({}));
    expect(buildWorkerDeployment(input({}))).toEqual(a);
    const b = buildWorkerDeployment(input({}, { environmentHash: 'h2' }));
    const ann = (d: typeof a) => d.spec!.template.metadata!.annotations![ANNOTATIONS.configHash];
    expect(ann(b)).not.toBe(ann(a));
    expect(b.metadata!.annotations![ANNOTATIONS.specHash]).not.toBe(
      a.metadata!.annotations![ANNOTATIONS.specHash],
    );
  });

  it("tells the agent where to fetch sealed variables, with that Secret's token (ADR 0046)", () => {
    const w = { ...worker, codeTokenSecret: 's3cret', codeUrl: 'http://gw:8080' };
    const plain = buildWorkerDeployment(input({}, { worker: w }));
    const a = buildWorkerDeployment(input({}, { worker: w, sealedEnvironment: 'hello-vars-1' }));
    const b = buildWorkerDeployment(input({}, { worker: w, sealedEnvironment: 'hello-vars-2' }));
    const env = (d: typeof a) =>
      Object.fromEntries(d.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(env(plain)['LAMINA_SEALED_ENVIRONMENT']).toBeUndefined();
    expect(env(a)).toMatchObject({
      LAMINA_SEALED_ENVIRONMENT: 'hello-vars-1',
      LAMINA_SEALED_ENVIRONMENT_TOKEN: environmentToken('s3cret', 'hello-vars-1'),
      LAMINA_SEALED_ENVIRONMENT_URL: 'http://gw:8080',
    });
    // New values are a new Secret: the pods roll.
    expect(b.metadata!.annotations![ANNOTATIONS.specHash]).not.toBe(
      a.metadata!.annotations![ANNOTATIONS.specHash],
    );
  });

  it('a version with provisioned concurrency runs provisioned pods (a change rolls them)', () => {
    const env = (d: ReturnType<typeof buildWorkerDeployment>) =>
      d.spec!.template.spec!.containers[0]!.env!.find(
        (e) => e.name === 'LAMINA_INITIALIZATION_TYPE',
      )?.value;
    const onDemand = buildWorkerDeployment(input({}));
    const provisioned = buildWorkerDeployment(input({}, { provisioned: true }));
    expect(env(onDemand)).toBeUndefined();
    expect(env(provisioned)).toBe('provisioned-concurrency');
    expect(provisioned.metadata!.annotations![ANNOTATIONS.specHash]).not.toBe(
      onDemand.metadata!.annotations![ANNOTATIONS.specHash],
    );
  });

  it("http code delivery: an emptyDir for the code, the code URL and the pod's own token", () => {
    const http = loadConfig({
      LAMINA_WORKER_CODE_DELIVERY: 'http',
      LAMINA_WORKER_CODE_URL: 'http://lamina-gateway.lamina-system.svc:80',
      LAMINA_CODE_TOKEN_SECRET: 's'.repeat(32),
      LAMINA_CODE_STORE_CLAIM: 'lamina-code',
    }).worker;
    const d = buildWorkerDeployment(input({}, { worker: http }));
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      LAMINA_CODE_SHA256: 'a'.repeat(64),
      LAMINA_CODE_URL: 'http://lamina-gateway.lamina-system.svc:80',
      LAMINA_CODE_CACHE_DIR: '/var/lamina/code-cache',
      LAMINA_CODE_TOKEN: codeToken('s'.repeat(32), 'a'.repeat(64)),
    });
    expect(env).not.toHaveProperty('LAMINA_CODE_DIR');
    // Its own volume, not the shared store: no claim is mounted even when one is configured.
    expect(pod.volumes).toContainEqual({ name: 'code', emptyDir: { sizeLimit: '250Mi' } });
    expect(pod.volumes!.some((v) => v.persistentVolumeClaim !== undefined)).toBe(false);
    expect(c.volumeMounts).toContainEqual({ name: 'code', mountPath: '/var/lamina/code-cache' });
    // Another package, another token.
    const other = buildWorkerDeployment(
      input({ code: { sha256: 'b'.repeat(64) } }, { worker: http }),
    );
    const token = other.spec!.template.spec!.containers[0]!.env!.find(
      (e) => e.name === 'LAMINA_CODE_TOKEN',
    );
    expect(token?.value).toBe(codeToken('s'.repeat(32), 'b'.repeat(64)));
    expect(token?.value).not.toBe(env['LAMINA_CODE_TOKEN']);
  });

  it('layers: their hashes in order, a token each over http, and an emptyDir at /opt', () => {
    const http = loadConfig({
      LAMINA_WORKER_CODE_DELIVERY: 'http',
      LAMINA_WORKER_CODE_URL: 'http://gw',
      LAMINA_CODE_TOKEN_SECRET: 's'.repeat(32),
    }).worker;
    const layers = [
      {
        arn: 'arn:aws:lambda:us-east-1:000000000000:layer:b:1',
        sha256: 'b'.repeat(64),
        codeSize: 1,
      },
      {
        arn: 'arn:aws:lambda:us-east-1:000000000000:layer:c:1',
        sha256: 'c'.repeat(64),
        codeSize: 1,
      },
    ];
    const d = buildWorkerDeployment(input({ layers }, { worker: http }));
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
    expect(env['LAMINA_LAYER_SHA256S']).toBe(`${'b'.repeat(64)},${'c'.repeat(64)}`);
    expect(env['LAMINA_LAYER_TOKENS']).toBe(
      [codeToken('s'.repeat(32), 'b'.repeat(64)), codeToken('s'.repeat(32), 'c'.repeat(64))].join(
        ',',
      ),
    );
    expect(c.volumeMounts).toContainEqual({ name: 'opt', mountPath: '/opt' });
    expect(pod.volumes).toContainEqual({ name: 'opt', emptyDir: { sizeLimit: '250Mi' } });
    // Another order is another pod template.
    const reversed = buildWorkerDeployment(
      input({ layers: [...layers].reverse() }, { worker: http }),
    );
    expect(reversed.spec!.template.metadata!.annotations![ANNOTATIONS.configHash]).not.toBe(
      d.spec!.template.metadata!.annotations![ANNOTATIONS.configHash],
    );
    // Without layers, neither.
    const none = buildWorkerDeployment(input({}, { worker: http })).spec!.template.spec!;
    expect(none.volumes!.some((v) => v.name === 'opt')).toBe(false);
    expect(none.containers[0]!.env!.some((e) => e.name.startsWith('LAMINA_LAYER'))).toBe(false);
  });

  it("gives the pod its role's credentials from the Secret mapped to it, and none otherwise", () => {
    const mapped = loadConfig({
      LAMINA_ROLE_CREDENTIALS: JSON.stringify({ 'arn:aws:iam::1:role/app': 'app-creds' }),
    }).worker;
    const env = (role: string | undefined) =>
      buildWorkerDeployment(input(role === undefined ? {} : { role }, { worker: mapped })).spec!
        .template.spec!.containers[0]!.env!;
    expect(env('arn:aws:iam::1:role/app').filter((e) => e.name.startsWith('AWS_'))).toEqual([
      {
        name: 'AWS_ACCESS_KEY_ID',
        valueFrom: { secretKeyRef: { name: 'app-creds', key: 'AWS_ACCESS_KEY_ID' } },
      },
      {
        name: 'AWS_SECRET_ACCESS_KEY',
        valueFrom: { secretKeyRef: { name: 'app-creds', key: 'AWS_SECRET_ACCESS_KEY' } },
      },
      {
        name: 'AWS_SESSION_TOKEN',
        valueFrom: {
          secretKeyRef: { name: 'app-creds', key: 'AWS_SESSION_TOKEN', optional: true },
        },
      },
    ]);
    expect(env('arn:aws:iam::1:role/other').some((e) => e.name.startsWith('AWS_'))).toBe(false);
    expect(env(undefined).some((e) => e.name.startsWith('AWS_'))).toBe(false);
    expect(() => loadConfig({ LAMINA_ROLE_CREDENTIALS: '{"r":"Not_A_Name"}' })).toThrow(/role ARN/);
  });

  it('pvc code delivery keeps mounting the store read-only', () => {
    const pvc = loadConfig({ LAMINA_CODE_STORE_CLAIM: 'lamina-code' }).worker;
    const d = buildWorkerDeployment(input({}, { worker: pvc }));
    const pod = d.spec!.template.spec!;
    const env = Object.fromEntries(pod.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(env['LAMINA_CODE_DIR']).toBe('/var/lamina/code');
    expect(env).not.toHaveProperty('LAMINA_CODE_URL');
    expect(pod.volumes).toContainEqual({
      name: 'code',
      persistentVolumeClaim: { claimName: 'lamina-code', readOnly: true },
    });
  });

  it('functions without a zip get neither', () => {
    const http = loadConfig({
      LAMINA_WORKER_CODE_DELIVERY: 'http',
      LAMINA_WORKER_CODE_URL: 'http://gw',
    }).worker;
    const d = buildWorkerDeployment(
      input(
        { runtime: undefined, handler: undefined, code: { image: 'reg/fn:1' } },
        { worker: http },
      ),
    );
    const c = d.spec!.template.spec!.containers[0]!;
    // An image function's LAMINA_CODE_SHA256 is its image's identity (image-pod.test.ts).
    expect(c.env!.some((e) => /^LAMINA_CODE_(URL|TOKEN|DIR|CACHE)/.test(e.name))).toBe(false);
    expect(c.volumeMounts!.some((m) => m.name === 'code')).toBe(false);
  });

  it("gives the agent the function's LoggingConfig, and nothing for the defaults", () => {
    const envOf = (spec: object): Record<string, string | undefined> =>
      Object.fromEntries(
        buildWorkerDeployment(input(spec)).spec!.template.spec!.containers[0]!.env!.map((e) => [
          e.name,
          e.value,
        ]),
      );
    expect(envOf({ loggingConfig: { logFormat: 'JSON', systemLogLevel: 'WARN' } })).toMatchObject({
      LAMINA_FUNCTION_LOGGING:
        '{"LogFormat":"JSON","ApplicationLogLevel":"INFO","SystemLogLevel":"WARN"}',
    });
    expect(envOf({})['LAMINA_FUNCTION_LOGGING']).toBeUndefined();
    expect(
      envOf({ loggingConfig: { logFormat: 'Text' } })['LAMINA_FUNCTION_LOGGING'],
    ).toBeUndefined();
  });
});

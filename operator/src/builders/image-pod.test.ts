/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes with public data fields only; the fixtures are literals. */
import { imageIdentityHex } from '@lamina/core';
import { functionSpecSchema } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../config.js';
import { buildWorkerDeployment } from './deployment.js';

const worker = loadConfig({}).worker;
const IMAGE = 'reg.local:5000/team/fn:v1';

function imageDeployment(spec: object = {}) {
  return buildWorkerDeployment({
    namespace: 'team-a',
    functionName: 'fn',
    version: '$LATEST',
    spec: functionSpecSchema.parse({ code: { image: IMAGE }, memorySize: 256, ...spec }),
    owner: { apiVersion: 'lamina.dev/v1alpha1', kind: 'Function', name: 'fn', uid: 'u1' },
    secretName: 'fn-env',
    environmentHash: 'h',
    replicas: 1,
    worker,
  });
}

const envOf = (env: { name: string; value?: string }[] | undefined) =>
  Object.fromEntries((env ?? []).map((e) => [e.name, e.value]));

describe('the pod of a container-image function', () => {
  it('runs the image untouched beside the agent, which serves its Runtime API', () => {
    const pod = imageDeployment().spec!.template.spec!;
    expect(pod.shareProcessNamespace).toBe(true);
    const [agent, fn] = pod.containers;
    expect(agent!.name).toBe('worker');
    expect(agent!.image).toBe('lamina/worker-nodejs22:0.1.0');
    expect(agent!.lifecycle?.postStart?.exec?.command?.[0]).toBe('/var/lamina/agent/node');
    const a = envOf(agent!.env);
    expect(a['LAMINA_RUNTIME_API_PORT']).toBe('9001');
    expect(a['LAMINA_CODE_SHA256']).toBe(imageIdentityHex(IMAGE));
    expect(a['LAMINA_RUNTIME']).toBeUndefined();
    expect(fn!.name).toBe('function');
    expect(fn!.image).toBe(IMAGE);
    // No ImageConfig: the image's own ENTRYPOINT/CMD/WORKDIR.
    expect(fn!.command).toBeUndefined();
    expect(fn!.args).toBeUndefined();
    expect(fn!.workingDir).toBeUndefined();
    expect(envOf(fn!.env)).toMatchObject({
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
      AWS_LAMBDA_LOG_STREAM_NAME: '[$LATEST]$(LAMINA_POD_NAME)',
    });
    expect(fn!.envFrom).toEqual([{ secretRef: { name: 'fn-env', optional: true } }]);
    // MemorySize + overhead, plus its tmpfs /tmp (the function container writes it).
    expect(fn!.resources?.limits?.['memory']).toBe('832Mi');
    expect(fn!.resources?.requests?.['memory']).toBe('320Mi');
    expect(fn!.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(fn!.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('maps ImageConfig to command, args and workingDir', () => {
    const pod = imageDeployment({
      imageConfig: { entryPoint: ['/e'], command: ['app.handler'], workingDirectory: '/w' },
    }).spec!.template.spec!;
    expect(pod.containers[1]).toMatchObject({
      command: ['/e'],
      args: ['app.handler'],
      workingDir: '/w',
    });
  });
});

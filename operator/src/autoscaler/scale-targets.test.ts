/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are data-only classes; fakes use plain objects like its examples. */
import type { V1Deployment } from '@kubernetes/client-node';
import {
  type FunctionResource,
  functionSpecSchema,
  type FunctionVersionResource,
} from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { IDLE_WINDOW_ANNOTATION, scaleTargetsOf } from './scale-targets.js';

const base = { runtime: 'nodejs22.x', handler: 'index.handler', code: { sha256: 'e'.repeat(64) } };

function fn(
  name: string,
  spec: object = {},
  annotations?: Record<string, string>,
): FunctionResource {
  return {
    apiVersion: 'lamina.dev/v1alpha1',
    kind: 'Function',
    metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) },
    spec: functionSpecSchema.parse({ ...base, ...spec }),
  };
}

function version(functionName: string, n: string, spec: object = {}): FunctionVersionResource {
  return {
    apiVersion: 'lamina.dev/v1alpha1',
    kind: 'FunctionVersion',
    metadata: { name: `${functionName}-v${n}`, namespace: 'ns' },
    spec: { functionName, version: n, function: functionSpecSchema.parse({ ...base, ...spec }) },
  };
}

function deployments(...ds: [string, number | undefined, number | undefined][]) {
  const map = new Map<string, V1Deployment>(
    ds.map(([name, replicas, ready]) => [
      `ns/${name}`,
      {
        metadata: { name, namespace: 'ns' },
        spec: {
          ...(replicas === undefined ? {} : { replicas }),
          selector: {},
          template: {},
        },
        status: ready === undefined ? {} : { readyReplicas: ready },
      },
    ]),
  );
  return (namespace: string, name: string) => map.get(`${namespace}/${name}`);
}

describe('scaleTargetsOf', () => {
  it('one target per version with a Deployment, with its floor, cap and idle window', () => {
    const hello = fn('hello', { reservedConcurrency: 5 }, { [IDLE_WINDOW_ANNOTATION]: '30' });
    const targets = scaleTargetsOf({
      functions: [hello, fn('quiet')],
      versions: [version('hello', '2', { provisionedConcurrency: 2 }), version('hello', '3')],
      deployment: deployments(
        ['hello-latest', 3, 2],
        ['hello-v2', 2, 2],
        ['quiet-latest', undefined, undefined],
      ),
      defaultIdleWindowMs: 600_000,
    });
    expect(targets.map((t) => [t.key, t.deploymentName, t.current, t.ready])).toEqual([
      ['ns/hello/$LATEST', 'hello-latest', 3, 2],
      ['ns/quiet/$LATEST', 'quiet-latest', 1, 0],
      ['ns/hello/2', 'hello-v2', 2, 2],
    ]);
    expect(targets[0]).toMatchObject({
      reserved: 5,
      provisioned: 0,
      idleWindowMs: 30_000,
      owner: hello,
    });
    expect(targets[1]).toMatchObject({ reserved: undefined, idleWindowMs: 600_000 });
    expect(targets[2]).toMatchObject({
      target: { namespace: 'ns', functionName: 'hello', version: '2' },
      provisioned: 2,
      reserved: 5,
    });
    expect(targets[2]?.owner.kind).toBe('FunctionVersion');
  });

  it('skips what is being deleted, orphans and a malformed idle window', () => {
    const gone = fn('gone');
    gone.metadata.deletionTimestamp = new Date();
    const odd = fn('odd', {}, { [IDLE_WINDOW_ANNOTATION]: 'soon' });
    const targets = scaleTargetsOf({
      functions: [gone, odd],
      versions: [version('gone', '1'), version('nobody', '1')],
      deployment: deployments(
        ['gone-latest', 1, 1],
        ['gone-v1', 1, 1],
        ['odd-latest', 1, 1],
        ['nobody-v1', 1, 1],
      ),
      defaultIdleWindowMs: 1000,
    });
    expect(targets.map((t) => [t.key, t.idleWindowMs])).toEqual([['ns/odd/$LATEST', 1000]]);
  });
});

import { describe, expect, it } from 'vitest';

import { ownerKey } from './controller.js';

const owned = (kind: string, apiVersion = 'lamina.dev/v1alpha1', controller = true) => ({
  metadata: {
    namespace: 'team-a',
    ownerReferences: [{ apiVersion, kind, name: 'hello', uid: 'u', controller }],
  },
});

describe('ownerKey', () => {
  it('routes an owned object to its lamina.dev controller', () => {
    expect(ownerKey(owned('Function'))).toEqual({ kind: 'Function', key: 'team-a/hello' });
    expect(ownerKey(owned('FunctionVersion'))).toEqual({
      kind: 'FunctionVersion',
      key: 'team-a/hello',
    });
  });

  it('ignores objects others control', () => {
    expect(ownerKey(owned('ReplicaSet', 'apps/v1'))).toBeUndefined();
    expect(ownerKey(owned('Function', 'lamina.dev/v1alpha1', false))).toBeUndefined();
    expect(ownerKey({})).toBeUndefined(); // no owner at all
  });
});

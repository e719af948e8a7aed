import { describe, expect, it } from 'vitest';

import { parseFunctionManifests } from './manifest.js';

describe('parseFunctionManifests', () => {
  it('reads Function documents and skips other kinds', () => {
    const text = `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata: { name: hello }
spec:
  runtime: nodejs22.x
  handler: index.handler
  memorySize: 256
  environment: { variables: { GREETING: hi } }
  code: { path: ./hello }
---
apiVersion: v1
kind: ConfigMap
`;
    const [m, ...rest] = parseFunctionManifests(text);
    expect(rest).toHaveLength(0);
    expect(m?.codePath).toBe('./hello');
    expect(m?.input).toMatchObject({
      name: 'hello',
      memorySize: 256,
      environment: { GREETING: 'hi' },
    });
  });

  it('rejects a Function without code', () => {
    expect(() =>
      parseFunctionManifests(
        'apiVersion: lamina.dev/v1alpha1\nkind: Function\nmetadata: {name: x}\nspec: {}\n',
      ),
    ).toThrow(/spec.code/);
  });
});

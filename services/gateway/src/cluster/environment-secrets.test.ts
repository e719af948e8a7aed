import { describe, expect, it } from 'vitest';

import {
  FUNCTION_ANNOTATION,
  functionOwner,
  VARIABLES_LABEL,
  variablesOfSecret,
  variablesSecret,
} from './environment-secrets.js';

describe('the variables Secret (ADR 0039)', () => {
  it('is immutable, labelled for the informer, owned, one key per variable; reads back', () => {
    const env = { DB_PASSWORD: 'hunter2 ✓', MODE: 'prod' };
    const s = variablesSecret(
      'hello-vars-0a1b2c3d4e',
      'ns',
      'hello',
      env,
      functionOwner('hello', 'u'),
    );
    expect(s.immutable).toBe(true);
    expect(s.metadata?.labels?.[VARIABLES_LABEL]).toBe('api');
    expect(s.metadata?.annotations?.[FUNCTION_ANNOTATION]).toBe('hello');
    expect(s.metadata?.ownerReferences).toEqual([
      { apiVersion: 'lamina.dev/v1alpha1', kind: 'Function', name: 'hello', uid: 'u' },
    ]);
    expect(Object.keys(s.data ?? {})).toEqual(['DB_PASSWORD', 'MODE']);
    expect(JSON.stringify(s)).not.toContain('hunter2');
    expect(variablesOfSecret(s)).toEqual(env);
    // Without an owner given, none is set.
    expect(variablesSecret('x', 'ns', 'hello', env).metadata?.ownerReferences).toBeUndefined();
  });
});

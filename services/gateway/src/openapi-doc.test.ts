/**
 * Keeps docs/openapi.json true: it is exactly what @lamina/core's lambdaOpenApi builds from the
 * service model for the operations docs/compatibility.md marks supported or partial
 * (`npm run gen:openapi` rewrites it), and every operation in it is routed by the gateway.
 */
import { readFileSync } from 'node:fs';

import { lambdaOpenApi } from '@lamina/core';
import { describe, expect, it } from 'vitest';

const read = (rel: string) => readFileSync(new URL(`../../../${rel}`, import.meta.url), 'utf8');

function servedOperations(md: string): string[] {
  const ops: string[] = [];
  for (const line of md.split('\n')) {
    const m = /^\| `?([A-Z][A-Za-z0-9]+)`? \| (supported|partial) \|/.exec(line);
    if (m?.[1] !== undefined) ops.push(m[1]);
  }
  return ops;
}

describe('docs/openapi.json', () => {
  it('is generated from the service model for the served operations (npm run gen:openapi)', () => {
    const ops = servedOperations(read('docs/compatibility.md'));
    expect(ops.length).toBeGreaterThan(30);
    expect(JSON.parse(read('docs/openapi.json'))).toEqual(
      JSON.parse(JSON.stringify(lambdaOpenApi(ops))),
    );
  });
});

/**
 * Keeps docs/compatibility.md true: every operation of the Lambda API (the service model's list)
 * has a row, every row marked supported or partial is answered by a route of the gateway, and
 * every row marked "not yet" is answered 404 UnknownOperationException.
 */
import { readFileSync } from 'node:fs';

import { LAMBDA_OPERATIONS } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { MemoryMappingStore } from './async/mapping-store.js';
import { FakeAsyncStore } from './test-support/fake-async-store.js';
import { fakeApp } from './test-support/fakes.js';

const DOC = new URL('../../../docs/compatibility.md', import.meta.url);

/** `| Operation | status | … |` rows of the operations table. */
function rows(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const m = /^\| `?([A-Z][A-Za-z0-9]+)`? \| (supported|partial|not yet) \|/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], m[2]);
  }
  return out;
}

/** A request path for a model URI template: every parameter `x`, the query left out. */
const pathOf = (uri: string): string => (uri.split('?')[0] ?? '').replace(/\{[^}]+\}/g, 'x');

/** What express keeps of a route or a mounted router (express 5's router layers). */
interface Layer {
  match(path: string): boolean;
  route?: { methods: Record<string, boolean | undefined> };
  handle: { stack?: Layer[] };
}

/** Whether some route of the app (in any mounted router) answers `method path`. */
function routed(stack: readonly Layer[], method: string, path: string): boolean {
  return stack.some((layer) => {
    if (layer.route !== undefined)
      return layer.match(path) && layer.route.methods[method.toLowerCase()] === true;
    const inner = layer.handle.stack;
    return inner !== undefined && layer.match(path) && routed(inner, method, path);
  });
}

describe('docs/compatibility.md', () => {
  const table = rows();
  const { app } = fakeApp({ async: new FakeAsyncStore(), mappings: new MemoryMappingStore() });

  it('has a row for every operation of the Lambda API', () => {
    expect([...table.keys()].sort()).toEqual(Object.keys(LAMBDA_OPERATIONS).sort());
  });

  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;

  it.each(Object.entries(LAMBDA_OPERATIONS))('%s is routed as the table says', (name, op) => {
    const has = routed(stack, op.method, pathOf(op.uri));
    expect(has ? 'routed' : 'not yet', `${name}: ${op.method} ${op.uri}`).toBe(
      table.get(name) === 'not yet' ? 'not yet' : 'routed',
    );
  });
});

import { describe, expect, it } from 'vitest';

import { KNOWN_RUNTIMES } from './function-spec.js';
import { lambdaNodeOptions, RUNTIMES } from './runtimes.js';

describe('RUNTIMES', () => {
  it('is the list core knows, in its order', () => {
    expect(KNOWN_RUNTIMES).toEqual(RUNTIMES.map((r) => r.id));
    expect(KNOWN_RUNTIMES).toEqual([
      'nodejs20.x',
      'nodejs22.x',
      'nodejs24.x',
      'python3.11',
      'python3.12',
      'python3.13',
      'java17',
      'java21',
      'java25',
      'provided.al2023',
    ]);
  });

  it('names each runtime image after its runtime', () => {
    const images = RUNTIMES.flatMap((r) => (r.image === undefined ? [] : [[r.id, r.image]]));
    expect(images).toEqual([
      ['nodejs20.x', 'lamina/runtime-nodejs:20'],
      ['nodejs22.x', 'lamina/runtime-nodejs:22'],
      ['nodejs24.x', 'lamina/runtime-nodejs:24'],
      ['python3.11', 'lamina/runtime-python:3.11'],
      ['python3.13', 'lamina/runtime-python:3.13'],
      ['java17', 'lamina/runtime-java:17'],
      ['java21', 'lamina/runtime-java:21'],
    ]);
    for (const r of RUNTIMES) {
      if (r.image !== undefined) expect(r.image).toBe(`lamina/runtime-${r.family}:${r.version}`);
    }
  });

  it('says what each local runtime needs; only python3.12 is unavailable, and has no image', () => {
    for (const r of RUNTIMES) {
      if (r.local && r.family !== 'provided') expect(r.requires).toBeTruthy();
    }
    expect(RUNTIMES.filter((r) => r.unavailable !== undefined)).toEqual([
      expect.objectContaining({ id: 'python3.12', local: false }),
    ]);
    expect(RUNTIMES.find((r) => r.id === 'python3.12')?.image).toBeUndefined();
  });
});

describe('lambdaNodeOptions', () => {
  it("sizes the heap from the memory as Lambda's Node.js bootstrap does", () => {
    expect(lambdaNodeOptions(128)).toEqual([
      '--expose-gc',
      '--max-http-header-size=81920',
      '--max-semi-space-size=6',
      '--max-old-space-size=116',
    ]);
    expect(lambdaNodeOptions(10_240).slice(2)).toEqual([
      '--max-semi-space-size=512',
      '--max-old-space-size=9216',
    ]);
  });

  it('leaves the heap to V8 when the function is not known yet', () => {
    expect(lambdaNodeOptions(undefined)).toEqual(['--expose-gc', '--max-http-header-size=81920']);
  });
});

import { describe, expect, it } from 'vitest';

import { followFunctionChanges } from './function-changes.js';
import { MemoryAdmission } from './admission/memory-admission.js';
import { FakeFunctionStore, record } from './test-support/fakes.js';

const settle = () => new Promise((r) => setTimeout(r, 0));

function setup() {
  const functions = new FakeFunctionStore();
  const admission = new MemoryAdmission({ accountConcurrency: 10, minUnreservedConcurrency: 2 });
  const evicted: [string, string | undefined][] = [];
  const pool = {
    evict: (name: string, version?: string) => {
      evicted.push([name, version]);
      return Promise.resolve();
    },
  };
  const warnings: unknown[] = [];
  const logger = { warn: (obj: unknown) => void warnings.push(obj) };
  return { functions, admission, pool, evicted, warnings, logger };
}

describe('followFunctionChanges', () => {
  it('applies every current reservation at start, whatever created the function', async () => {
    const s = setup();
    s.functions.records.set('api', record('api', { reservedConcurrency: 2 }));
    s.functions.records.set('manifest', {
      ...record('manifest', { reservedConcurrency: 3 }),
      source: 'manifest',
    });
    s.functions.records.set('plain', record('plain'));
    await followFunctionChanges(s);
    expect([...s.admission.reserved]).toEqual([
      ['api', 2],
      ['manifest', 3],
    ]);
    expect(s.evicted).toEqual([]);
  });

  it("a change applies the stored reservation and restarts $LATEST's environments", async () => {
    const s = setup();
    await followFunctionChanges(s);
    await s.functions.create(record('fn', { reservedConcurrency: 0 }));
    await settle();
    expect(s.admission.reserved.get('fn')).toBe(0);
    expect(s.evicted).toEqual([['fn', '$LATEST']]);
    await s.functions.update('fn', (r) => record('fn', { ...r.spec, reservedConcurrency: 4 }));
    await settle();
    expect(s.admission.reserved.get('fn')).toBe(4);
  });

  it('a deleted function loses its reservation and all its environments', async () => {
    const s = setup();
    s.functions.records.set('fn', record('fn', { reservedConcurrency: 1 }));
    await followFunctionChanges(s);
    await s.functions.delete('fn');
    await settle();
    expect(s.admission.reserved.has('fn')).toBe(false);
    expect(s.evicted).toEqual([['fn', undefined]]);
  });

  it('a reservation Redis refuses is logged, not fatal; unsubscribing stops following', async () => {
    const s = setup();
    s.functions.records.set('big', record('big', { reservedConcurrency: 9 }));
    const unsubscribe = await followFunctionChanges(s);
    expect(s.warnings).toHaveLength(1);
    unsubscribe();
    await s.functions.create(record('later', { reservedConcurrency: 1 }));
    await settle();
    expect(s.admission.reserved.has('later')).toBe(false);
  });
});

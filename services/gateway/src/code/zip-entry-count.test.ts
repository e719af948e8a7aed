import { buildZip } from '@lamina/testkit';
import { describe, expect, it } from 'vitest';

import { zipEntryCount } from './zip-entry-count.js';

const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${String(i)}` }));

describe('zipEntryCount', () => {
  it('reads the classic and the Zip64 count', () => {
    expect(zipEntryCount(buildZip(entries(3)))).toBe(3);
    expect(zipEntryCount(buildZip(entries(70_000)))).toBe(70_000);
  });

  it('is undefined for what is not a zip', () => {
    expect(zipEntryCount(Buffer.from('not a zip at all, not even close'))).toBeUndefined();
    expect(zipEntryCount(Buffer.alloc(0))).toBeUndefined();
  });
});

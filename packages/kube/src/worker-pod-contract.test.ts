import { describe, expect, it } from 'vitest';

import { LABELS, MANAGED_BY } from './resources.js';
import {
  versionOfSlug,
  versionSlug,
  WORKER_APP_LABEL,
  WORKER_APP_NAME,
  WORKER_ENV,
  WORKER_POD_SELECTOR,
} from './worker-pod-contract.js';

describe('worker-pod contract', () => {
  it('slugs versions as label values and reads them back', () => {
    expect(versionSlug('$LATEST')).toBe('latest');
    expect(versionSlug('3')).toBe('v3');
    for (const v of ['$LATEST', '1', '3', '42'] as const) {
      expect(versionOfSlug(versionSlug(v))).toBe(v);
    }
  });

  it('answers undefined for slugs it did not make', () => {
    for (const s of [undefined, '', 'weird', 'v', 'va', '3', 'LATEST', 'v3x']) {
      expect(versionOfSlug(s)).toBeUndefined();
    }
  });

  it('selects the pods the operator labels as workers', () => {
    expect(WORKER_POD_SELECTOR).toBe(
      `${LABELS.managedBy}=${MANAGED_BY},${WORKER_APP_LABEL}=${WORKER_APP_NAME}`,
    );
    expect(WORKER_APP_NAME).toBe('lamina-worker');
  });

  it('names every variable once, all LAMINA_*', () => {
    const names = Object.values(WORKER_ENV);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^LAMINA_[A-Z0-9_]+$/);
  });
});

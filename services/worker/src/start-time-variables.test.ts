import { describe, expect, it } from 'vitest';

import { isStartTimeVariable, startTimeConflict } from './start-time-variables.js';

describe('start-time variables', () => {
  it("are Node.js's for a Node.js runtime (and by default)", () => {
    expect(isStartTimeVariable('NODE_OPTIONS', 'nodejs22.x')).toBe(true);
    expect(isStartTimeVariable('UV_THREADPOOL_SIZE')).toBe(true);
    expect(isStartTimeVariable('PYTHONPATH', 'nodejs22.x')).toBe(false);
    expect(isStartTimeVariable('LANG', 'nodejs22.x')).toBe(true);
  });

  it("are Python's for a Python runtime", () => {
    for (const name of [
      'PYTHONPATH',
      'PYTHONUNBUFFERED',
      'PYTHONHASHSEED',
      'LC_ALL',
      'LD_PRELOAD',
    ]) {
      expect(isStartTimeVariable(name, 'python3.13')).toBe(true);
    }
    expect(isStartTimeVariable('NODE_OPTIONS', 'python3.13')).toBe(false);
    expect(isStartTimeVariable('TABLE_NAME', 'python3.13')).toBe(false);
  });

  it('conflict only where the function changes the generic value', () => {
    const generic = { PYTHONPATH: '/var/runtime', LANG: 'en_US.UTF-8' };
    expect(
      startTimeConflict(generic, { PYTHONPATH: '/var/runtime' }, 'python3.11'),
    ).toBeUndefined();
    expect(startTimeConflict(generic, { PYTHONPATH: '/opt/x' }, 'python3.11')).toBe('PYTHONPATH');
    expect(startTimeConflict(generic, { PYTHONPATH: '/opt/x' }, 'nodejs22.x')).toBeUndefined();
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { ProcStatus } from './proc-status.js';

const kbOf = (text: string, name: string): number =>
  Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? NaN);

describe.runIf(process.platform === 'linux')('ProcStatus', () => {
  it('reads VmRSS and VmHWM as /proc/<pid>/status prints them', () => {
    const status = new ProcStatus(process.pid);
    try {
      const before = kbOf(readFileSync('/proc/self/status', 'latin1'), 'VmHWM');
      const usage = status.read();
      const after = kbOf(readFileSync('/proc/self/status', 'latin1'), 'VmHWM');
      expect(usage?.hwmKb).toBeGreaterThanOrEqual(before);
      expect(usage?.hwmKb).toBeLessThanOrEqual(after);
      expect(usage?.rssKb).toBeGreaterThan(1024);
      expect(usage?.rssKb).toBeLessThanOrEqual(usage?.hwmKb ?? 0);
    } finally {
      status.close();
    }
  });

  it('keeps its last sample once the file can no longer be read', () => {
    const status = new ProcStatus(process.pid);
    const first = status.read();
    status.close();
    expect(status.read()).toEqual(first);
  });

  it('has no sample for a process that does not exist', () => {
    expect(new ProcStatus(2 ** 22 + 1).read()).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';

import { exitMessage, logTail, reportLine, timeoutMessage } from './log-format.js';

describe('log format', () => {
  it('writes REPORT exactly like Lambda', () => {
    expect(
      reportLine({
        requestId: 'r1',
        durationMs: 38.661,
        memorySizeMb: 128,
        maxMemoryUsedMb: 54,
        initDurationMs: 203.69,
      }),
    ).toBe(
      'REPORT RequestId: r1\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 54 MB\tInit Duration: 203.69 ms\t\n',
    );
  });

  it('formats timeouts and exits', () => {
    expect(timeoutMessage('r1', 3, new Date('2020-11-10T05:46:57.874Z'))).toBe(
      '2020-11-10T05:46:57.874Z r1 Task timed out after 3.00 seconds',
    );
    expect(exitMessage('r1', { signal: 'SIGKILL' })).toBe(
      'RequestId: r1 Error: Runtime exited with error: signal: killed',
    );
    expect(exitMessage('r1', { code: 1 })).toBe(
      'RequestId: r1 Error: Runtime exited with error: exit status 1',
    );
  });

  it('keeps the last 4 KB on a character boundary', () => {
    const log = 'é'.repeat(3000);
    const tail = Buffer.from(logTail(log), 'base64').toString('utf8');
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(4096);
    expect(tail).toMatch(/^é+$/);
  });
});

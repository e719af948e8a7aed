import { describe, expect, it } from 'vitest';
import { formatLogLine } from './console-patch.js';

describe('formatLogLine', () => {
  it("writes Lambda's Node.js text format, one line per event", () => {
    const line = formatLogLine('req-1', 'INFO', 'a\nb');
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-1\tINFO\ta\rb\n$/);
  });
});

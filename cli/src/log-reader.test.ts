import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseSince, printFrom } from './log-reader.js';

describe('log reader', () => {
  it('parses durations and ISO times for --since', () => {
    expect(parseSince('5m', 1_000_000)).toBe(700_000);
    expect(parseSince('2026-01-01T00:00:00Z', 0)).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(() => parseSince('yesterday', 0)).toThrow(/--since/);
  });

  it('selects by time and filter, strips stamps, keeps unstamped lines, waits for whole lines', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lamina-logs-')), 'f.log');
    writeFileSync(
      file,
      'old line\n2026-01-01T00:00:00.000Z\tSTART a\n2026-01-02T00:00:00.000Z\tSTART b\n2026-01-02T00:00:01.000Z\thello b\npart',
    );
    const out: string[] = [];
    const o = {
      file,
      since: Date.parse('2026-01-01T12:00:00Z'),
      filter: undefined,
      timestamps: false,
      write: (t: string) => out.push(t),
    };
    const offset = printFrom(o, 0);
    expect(out).toEqual(['old line\n', 'START b\n', 'hello b\n']);
    appendFileSync(file, 'ial\n');
    out.length = 0;
    printFrom({ ...o, filter: /ial/, timestamps: true }, offset);
    expect(out).toEqual(['partial\n']);
  });
});

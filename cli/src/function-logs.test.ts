import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { FunctionLogs } from './function-logs.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0, 5);
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('FunctionLogs', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function logs(echo: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-logs-'));
    dirs.push(dir);
    const writes: string[] = [];
    const l = new FunctionLogs({ dir, echo, write: (t) => writes.push(t), now: () => NOW });
    const read = (fn: string): string => readFileSync(FunctionLogs.fileOf(dir, fn), 'utf8');
    return { l, writes, read };
  }

  it("writes one turn's lines together, stamped, once the turn ends", async () => {
    const { l, writes, read } = logs(true);
    l.line('f', 'START RequestId: 1');
    l.line('f', 'hello\n');
    l.line('g', 'other');
    expect(read('f')).toBe('');
    expect(writes).toEqual([]);
    await nextTurn();
    const stamp = new Date(NOW).toISOString();
    expect(read('f')).toBe(`${stamp}\tSTART RequestId: 1\n${stamp}\thello\n`);
    expect(read('g')).toBe(`${stamp}\tother\n`);
    expect(writes).toEqual(['[f] START RequestId: 1\n[f] hello\n[g] other\n']);
    await l.flush();
  });

  it('writes what is buffered on flush, and nothing after it', async () => {
    const { l, read } = logs(false);
    l.line('f', 'END RequestId: 1');
    await l.flush();
    expect(read('f')).toContain('\tEND RequestId: 1\n');
    l.line('f', 'late');
    await nextTurn();
    expect(read('f')).not.toContain('late');
  });

  it('writes at once past 64 KB', () => {
    const { l, read } = logs(false);
    const big = 'x'.repeat(70_000);
    l.line('f', big);
    expect(read('f')).toContain(big);
    void l.flush();
  });
});

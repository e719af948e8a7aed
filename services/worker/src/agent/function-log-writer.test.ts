import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { functionLogger, LineBatch, stdoutLineBatch } from './function-log-writer.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('LineBatch', () => {
  it('writes records in order, in one write, when the timer fires', () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const batch = new LineBatch({ write: (t) => writes.push(t), flushMs: 50, maxBytes: 1 << 20 });
    batch.write('START\n');
    batch.write('a line\n');
    batch.write('END\n');
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(49);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(writes).toEqual(['START\na line\nEND\n']);
    vi.advanceTimersByTime(1000);
    expect(writes).toHaveLength(1);
  });

  it('writes at once when a batch reaches maxBytes, and on flush (nothing twice)', () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const batch = new LineBatch({ write: (t) => writes.push(t), flushMs: 50, maxBytes: 10 });
    batch.write('12345\n');
    batch.write('67890\n');
    expect(writes).toEqual(['12345\n67890\n']);
    batch.write('x\n');
    batch.flush();
    batch.flush();
    expect(writes).toEqual(['12345\n67890\n', 'x\n']);
    vi.advanceTimersByTime(100);
    expect(writes).toHaveLength(2);
  });
});

describe('functionLogger', () => {
  it("writes the agent's records: its level and bindings, stream function, one record per line", () => {
    const writes: string[] = [];
    const batch = new LineBatch({ write: (t) => writes.push(t), flushMs: 50, maxBytes: 1 << 20 });
    const agent = pino({ level: 'info', base: { component: 'lamina-worker-agent', fn: 'a' } });
    const log = functionLogger(agent.child({ fn: 'b', version: '2' }), batch);
    log.info({ logStream: 's1' }, 'START RequestId: r');
    log.info({ logStream: 's1' }, 'hello\tthere');
    log.debug({ logStream: 's1' }, 'not at info');
    batch.flush();
    expect(writes).toHaveLength(1);
    const records = (writes[0] ?? '')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({
        level: 30,
        component: 'lamina-worker-agent',
        fn: 'b',
        version: '2',
        stream: 'function',
        logStream: 's1',
        msg: 'START RequestId: r',
      }),
      expect.objectContaining({ stream: 'function', msg: 'hello\tthere' }),
    ]);
    expect(typeof records[0]?.['time']).toBe('number');
  });

  it('writes nothing for a silent logger (the generic pod rehearsal)', () => {
    const writes: string[] = [];
    const batch = new LineBatch({ write: (t) => writes.push(t), flushMs: 50, maxBytes: 1 << 20 });
    const silent = pino({ level: 'info' }).child({}, { level: 'silent' });
    functionLogger(silent, batch).info({ logStream: 's' }, 'START');
    batch.flush();
    expect(writes).toEqual([]);
  });
});

describe('stdoutLineBatch', () => {
  it('writes what is gathered when the process exits, and stops listening once closed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lamina-log-batch-'));
    const file = path.join(dir, 'out');
    const fd = openSync(file, 'w');
    try {
      const before = process.listeners('exit');
      const out = stdoutLineBatch(fd);
      const onExit = process.listeners('exit').find((l) => !before.includes(l));
      out.batch.write('START\n');
      out.batch.write('a line\n');
      expect(readFileSync(file, 'utf8')).toBe('');
      onExit?.call(process, 0);
      expect(readFileSync(file, 'utf8')).toBe('START\na line\n');
      out.batch.write('END\n');
      out.close();
      expect(readFileSync(file, 'utf8')).toBe('START\na line\nEND\n');
      expect(process.listeners('exit')).toEqual(before);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

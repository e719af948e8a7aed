import {
  asyncKeys,
  RUN_MARKER_MARGIN_MS,
  RUN_RECORD_HEADER,
  RUN_RECORD_RUNNING,
} from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { RunRecorder } from './run-recorder.js';

function fakeRedis(fail = false) {
  const pipelines: unknown[][][] = [];
  const redis = {
    pipeline: () => {
      const cmds: unknown[][] = [];
      const p = {
        set: (...args: unknown[]) => {
          cmds.push(args);
          return p;
        },
        del: (...args: unknown[]) => {
          cmds.push(['DEL', ...args]);
          return p;
        },
        exec: () => {
          pipelines.push(cmds);
          return Promise.resolve(cmds.map(() => [fail ? new Error('down') : null, 'OK']));
        },
      };
      return p;
    },
  };
  return { redis: redis as never, pipelines };
}

const result = { executedVersion: '$LATEST', payload: Buffer.from('"ok"') };
const settle = () => new Promise((r) => setTimeout(r, 5));

describe('RunRecorder', () => {
  it('writes the runs that asked for it, many in one pipeline, keyed by the call', async () => {
    const { redis, pipelines } = fakeRedis();
    const warnings: unknown[] = [];
    const r = new RunRecorder({
      redis,
      keys: asyncKeys('t'),
      logger: { warn: (o: unknown) => void warnings.push(o) } as never,
    });
    r.record('0.0;5000', 'fn', 'r1', result);
    r.record('1.0;5000', 'fn', 'r2', { ...result, functionError: 'Unhandled' });
    r.record('2.0;5000', 'fn', 'r3', result);
    r.record(undefined, 'fn', 'r4', result);
    r.record('garbage', 'fn', 'r5', result);
    await settle();
    expect(pipelines.flat().map((c) => [c[0], c[2], c[3]])).toEqual([
      ['t:v1:{async}:run:fn~r1:0.0', 'PX', 5000],
      ['t:v1:{async}:run:fn~r2:1.0', 'PX', 5000],
      ['t:v1:{async}:run:fn~r3:2.0', 'PX', 5000],
    ]);
    expect(pipelines).toHaveLength(2);
    expect(JSON.parse(String(pipelines[1]?.[0]?.[1]))).toEqual({
      functionError: 'Unhandled',
      executedVersion: '$LATEST',
      payload: '"ok"',
    });
    expect(warnings).toEqual([]);
    expect(r.pending).toBe(0);
    expect(RUN_RECORD_HEADER).toBe('x-lamina-run-record');
  });

  it('logs a failed write and never throws', async () => {
    const { redis } = fakeRedis(true);
    const warnings: unknown[] = [];
    const r = new RunRecorder({
      redis,
      keys: asyncKeys('t'),
      logger: { warn: (o: unknown) => void warnings.push(o) } as never,
    });
    r.record('0.0;5000', 'fn', 'r1', result);
    await settle();
    expect(warnings).toHaveLength(1);
  });

  it('marks an attempt running only where no record is, then records or removes it, in order', async () => {
    const { redis, pipelines } = fakeRedis();
    const r = new RunRecorder({
      redis,
      keys: asyncKeys('t'),
      logger: { warn: () => undefined } as never,
    });
    r.started('0.0;5000', 'fn', 'r1', 3000);
    r.started('0.0;5000', 'fn', 'r2', 3000);
    r.started(undefined, 'fn', 'r3', 3000);
    r.record('0.0;5000', 'fn', 'r1', result);
    r.abandoned('0.0;5000', 'fn', 'r2');
    r.abandoned(undefined, 'fn', 'r3');
    await settle();
    expect(pipelines.flat().map((c) => c.filter((_, i) => i !== 1 || c[0] === 'DEL'))).toEqual([
      ['t:v1:{async}:run:fn~r1:0.0', 'PX', RUN_MARKER_MARGIN_MS + 3000, 'NX'],
      ['t:v1:{async}:run:fn~r2:0.0', 'PX', RUN_MARKER_MARGIN_MS + 3000, 'NX'],
      ['t:v1:{async}:run:fn~r1:0.0', 'PX', 5000],
      ['DEL', 't:v1:{async}:run:fn~r2:0.0'],
    ]);
    expect(pipelines[0]?.[0]?.[1]).toBe(RUN_RECORD_RUNNING);
  });
});

import {
  type KafkaEventSourceMapping,
  type KafkaRecordInput,
  validateCreateMapping,
} from '@lamina/core';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { BatchProcessor, type FailureSender, type PartitionSink } from './batch-processor.js';
import { CommitPipeline } from './commit-pipeline.js';
import type { InvokeOutcome } from './kafka-invoker.js';
import { createMetrics } from './metrics.js';
import { ThrottleGate } from './throttle-gate.js';

const records = (n: number, ts = 1000): KafkaRecordInput[] =>
  Array.from({ length: n }, (_, i) => ({
    offset: String(i),
    timestamp: String(ts),
    key: null,
    value: Buffer.from(`v${i}`),
  }));

function mapping(input: Record<string, unknown>): KafkaEventSourceMapping {
  return validateCreateMapping(
    {
      FunctionName: 'fn',
      Topics: ['t'],
      SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b:9092'] } },
      StartingPosition: 'TRIM_HORIZON',
      ...input,
    },
    'u',
    0,
  ) as KafkaEventSourceMapping;
}

const offsetsOf = (payload: Buffer): number[] => {
  const e = JSON.parse(payload.toString()) as { records: Record<string, { offset: number }[]> };
  return (e.records['t-0'] ?? []).map((r) => r.offset);
};

function harness(
  m: KafkaEventSourceMapping,
  answer: (offsets: number[]) => InvokeOutcome,
  now = 0,
) {
  const calls: number[][] = [];
  const payloads: Buffer[] = [];
  const commits: string[] = [];
  const sent: Record<string, unknown>[] = [];
  const paused: string[] = [];
  const failures: FailureSender = {
    send: (_d, record) => {
      sent.push(record);
      return Promise.resolve();
    },
  };
  const sleep = (): Promise<void> => Promise.resolve();
  let clock = now;
  const p = new BatchProcessor({
    mapping: m,
    invoker: {
      invoke: (_fn, payload) => {
        const o = offsetsOf(payload);
        calls.push(o);
        payloads.push(payload);
        return Promise.resolve(answer(o));
      },
    },
    failures,
    gate: new ThrottleGate({
      fetch: { pause: () => paused.push('pause'), resume: () => paused.push('resume') },
      now: () => clock,
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
    }),
    metrics: createMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    now: () => clock,
    sleep,
    backoff: { minMs: 10, maxMs: 100 },
    functionArn: 'arn:fn',
    mappingArn: 'arn:esm',
    onResult: () => undefined,
  });
  const sink: PartitionSink = {
    active: () => true,
    commit: (next) => {
      commits.push(next);
      return Promise.resolve();
    },
  };
  return { p, sink, calls, payloads, commits, sent, paused };
}

const ok: InvokeOutcome = { kind: 'success', statusCode: 200, body: '{}' };
const fail: InvokeOutcome = {
  kind: 'function-error',
  statusCode: 200,
  functionError: 'Unhandled',
  body: '{}',
};

describe('BatchProcessor', () => {
  it('sends chunks of BatchSize in order and commits after each', async () => {
    const h = harness(mapping({ BatchSize: 4 }), () => ok);
    await h.p.process('t', 0, records(10), h.sink);
    expect(h.calls).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(h.commits).toEqual(['4', '8', '10']);
  });

  it('encodes a batch once: its retries send the same body', async () => {
    let n = 0;
    const h = harness(mapping({ BatchSize: 4, MaximumRetryAttempts: 2 }), () =>
      ++n <= 2 ? fail : ok,
    );
    await h.p.process('t', 0, records(4), h.sink);
    expect(h.payloads).toHaveLength(3);
    expect(h.payloads[1]).toBe(h.payloads[0]);
    expect(h.payloads[2]).toBe(h.payloads[0]);
    expect(h.calls[2]).toEqual([0, 1, 2, 3]);
    expect(h.commits).toEqual(['4']);
  });

  it('bisects down to the poison record, retries it, then hands it alone to the destination', async () => {
    const h = harness(
      mapping({
        BatchSize: 8,
        MaximumRetryAttempts: 2,
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: 'kafka://dlq' } },
      }),
      (o) => (o.includes(5) ? fail : ok),
    );
    await h.p.process('t', 0, records(8), h.sink);
    expect(h.calls.filter((c) => c.length === 1 && c[0] === 5)).toHaveLength(3);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted' },
      KafkaBatchInfo: { batchSize: 1, recordInfo: { offset: '5' } },
    });
    // Commits never go backwards and end past the last record.
    expect(h.commits.map(Number)).toEqual([...h.commits.map(Number)].sort((a, b) => a - b));
    expect(h.commits.at(-1)).toBe('8');
  });

  it('retries a partial batch from the lowest reported record', async () => {
    let first = true;
    const h = harness(mapping({ FunctionResponseTypes: ['ReportBatchItemFailures'] }), () => {
      if (!first) return ok;
      first = false;
      return {
        ...ok,
        body: JSON.stringify({
          batchItemFailures: [{ itemIdentifier: 't-0-6' }, { itemIdentifier: 't-0-3' }],
        }),
      };
    });
    await h.p.process('t', 0, records(8), h.sink);
    expect(h.calls).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [3, 4, 5, 6, 7],
    ]);
    expect(h.commits).toEqual(['3', '8']);
  });

  it('waits out throttles without using retries, pausing fetching meanwhile', async () => {
    let n = 0;
    const h = harness(mapping({ MaximumRetryAttempts: 0 }), () =>
      n++ < 3 ? { kind: 'throttle', statusCode: 429, body: '' } : ok,
    );
    await h.p.process('t', 0, records(2), h.sink);
    expect(h.calls).toHaveLength(4);
    expect(h.sent).toHaveLength(0);
    expect(h.paused).toEqual(['pause', 'resume', 'pause', 'resume', 'pause', 'resume']);
    expect(h.commits).toEqual(['2']);
  });

  it('gives up expired records (MaximumRecordAgeInSeconds) without invoking', async () => {
    const h = harness(
      mapping({
        MaximumRecordAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: 'kafka://dlq' } },
      }),
      () => ok,
      1000 + 61_000,
    );
    await h.p.process('t', 0, records(3), h.sink);
    expect(h.calls).toHaveLength(0);
    expect(h.sent[0]).toMatchObject({ requestContext: { condition: 'RecordAgeExceeded' } });
    expect(h.commits).toEqual(['3']);
  });

  it('drops the batch uncommitted when the partition is lost', async () => {
    const h = harness(mapping({}), () => fail);
    let active = 3;
    const sink = { ...h.sink, active: () => active-- > 0 };
    expect(await h.p.process('t', 0, records(4), sink)).toBe('aborted');
    expect(h.commits).toEqual([]);
  });

  it('through a CommitPipeline: invokes the next chunk while a commit is on the wire, never commits ahead', async () => {
    const h = harness(mapping({ BatchSize: 2 }), () => ok);
    const acks: (() => void)[] = [];
    const sink = new CommitPipeline({
      active: () => true,
      commit: (next) => {
        h.commits.push(next);
        return new Promise<void>((resolve) => acks.push(resolve));
      },
    });
    const done = h.p.process('t', 0, records(6), sink);
    await new Promise((r) => setImmediate(r));
    // All three chunks ran while the first commit waited; the asks meanwhile collapsed.
    expect(h.calls).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(h.commits).toEqual(['2']);
    expect(await done).toBe('done');
    acks.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(h.commits).toEqual(['2', '6']);
    acks.shift()?.();
    await sink.flush();
  });

  it('through a CommitPipeline: stops invoking once a commit failed', async () => {
    const h = harness(mapping({ BatchSize: 1 }), () => ok);
    const sink = new CommitPipeline({
      active: () => true,
      commit: () => Promise.reject(new Error('rebalance')),
    });
    expect(await h.p.process('t', 0, records(5), sink)).toBe('aborted');
    expect(h.calls.length).toBeLessThan(5);
    await expect(sink.flush()).rejects.toThrow('rebalance');
  });
});

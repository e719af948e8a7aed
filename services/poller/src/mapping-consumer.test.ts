import { describe, expect, it } from 'vitest';

import { consumerConfig, fetchBytesPerPartition } from './mapping-consumer.js';

const tuning = {
  sessionTimeoutMs: 30_000,
  partitionsConsumedConcurrently: 16,
  maxBytesPerPartition: 10_485_760,
};

describe('fetchBytesPerPartition', () => {
  it('asks for about one batch of 1 KiB records, at least 1 MiB, at most the cap', () => {
    expect(fetchBytesPerPartition(1, 10_485_760)).toBe(1_048_576);
    expect(fetchBytesPerPartition(1000, 10_485_760)).toBe(1_048_576);
    expect(fetchBytesPerPartition(5000, 10_485_760)).toBe(5_120_000);
    expect(fetchBytesPerPartition(10_000, 10_485_760)).toBe(10_240_000);
    expect(fetchBytesPerPartition(100_000, 10_485_760)).toBe(10_485_760);
    expect(fetchBytesPerPartition(1000, 65_536)).toBe(65_536);
  });
});

describe('consumerConfig', () => {
  it('fetches 8 partitions worth, waits 500 ms without a batching window, commits nothing itself', () => {
    const c = consumerConfig(
      { consumerGroupId: 'g', batchSize: 1000, maximumBatchingWindowInSeconds: 0 },
      tuning,
    );
    expect(c).toMatchObject({
      groupId: 'g',
      maxBytesPerPartition: 1_048_576,
      maxBytes: 8 * 1_048_576,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
    });
    expect(c.minBytes).toBeUndefined();
  });

  it('holds a fetch for the batching window, up to a batch of 100-byte records', () => {
    const c = consumerConfig(
      { consumerGroupId: 'g', batchSize: 500, maximumBatchingWindowInSeconds: 2 },
      tuning,
    );
    expect(c.maxWaitTimeInMs).toBe(2000);
    expect(c.minBytes).toBe(50_000);
  });
});

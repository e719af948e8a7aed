import { describe, expect, it } from 'vitest';

import { validateCreateMapping } from './event-source-mapping.js';
import {
  mappingFromSpec,
  mappingUuidOf,
  sameMappingSettings,
  specOfMapping,
} from './event-source-mapping-spec.js';

const UUID = '6f1c2b1e-8a3d-4c2b-9f00-1234567890ab';

describe('mappingUuidOf', () => {
  it('is stable per name, UUID-shaped, and a UUID name is its own', () => {
    expect(mappingUuidOf('orders')).toBe(mappingUuidOf('orders'));
    expect(mappingUuidOf('orders')).not.toBe(mappingUuidOf('payments'));
    expect(mappingUuidOf('orders')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(mappingUuidOf(UUID)).toBe(UUID);
    expect(mappingUuidOf(mappingUuidOf('orders'))).toBe(mappingUuidOf('orders'));
  });
});

describe('mappingFromSpec / specOfMapping', () => {
  it('reads a CRD spec like CreateEventSourceMapping input', () => {
    const m = mappingFromSpec(
      'orders',
      {
        functionName: 'fn:live',
        enabled: false,
        topics: ['orders'],
        bootstrapServers: ['kafka:9092'],
        startingPosition: 'AT_TIMESTAMP',
        startingPositionTimestamp: '2026-01-01T00:00:00.000Z',
        batchSize: 10,
        maximumRetryAttempts: 3,
        functionResponseTypes: ['ReportBatchItemFailures'],
        destinationConfig: { onFailure: { destination: 'kafka://dlq' } },
        sourceAccessConfigurations: [{ type: 'BASIC_AUTH', uri: 'kafka-creds' }],
      },
      Date.parse('2026-06-01T00:00:00Z'),
    );
    expect(m).toMatchObject({
      uuid: mappingUuidOf('orders'),
      consumerGroupId: mappingUuidOf('orders'),
      functionName: 'fn:live',
      enabled: false,
      startingPositionTimestamp: Date.parse('2026-01-01T00:00:00Z'),
      batchSize: 10,
      maximumRetryAttempts: 3,
      functionResponseTypes: ['ReportBatchItemFailures'],
      destinationConfig: { onFailure: { destination: 'kafka://dlq' } },
      sourceAccessConfigurations: [{ type: 'BASIC_AUTH', uri: 'kafka-creds' }],
      source: 'manifest',
    });
  });

  it('refuses what the API refuses', () => {
    expect(() => mappingFromSpec('x', { functionName: 'fn', topics: ['t'] }, 0)).toThrow(
      /KAFKA_BOOTSTRAP_SERVERS/,
    );
  });

  it('round-trips an API-created mapping through its spec, under its UUID as the name', () => {
    const created = validateCreateMapping(
      {
        FunctionName: 'fn',
        Topics: ['t'],
        SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['k:9092'] } },
        StartingPosition: 'LATEST',
        BatchSize: 7,
        MaximumBatchingWindowInSeconds: 2,
        BisectBatchOnFunctionError: true,
      },
      UUID,
      1000,
    );
    const spec = specOfMapping(created);
    expect(spec).not.toHaveProperty('destinationConfig');
    expect(spec).not.toHaveProperty('functionResponseTypes');
    const back = mappingFromSpec(UUID, spec, 2000);
    expect(back).toEqual({ ...created, lastModified: 2000, source: 'manifest' });
    expect(sameMappingSettings(back, created)).toBe(true);
    expect(sameMappingSettings(back, { ...created, batchSize: 8 })).toBe(false);
  });

  it('compares settings whatever the key order (JSON read back from Redis)', () => {
    const m = mappingFromSpec(
      'a',
      { functionName: 'fn', topics: ['t'], bootstrapServers: ['k:1'], startingPosition: 'LATEST' },
      0,
    );
    const reordered = JSON.parse(
      JSON.stringify(Object.fromEntries(Object.entries(m).reverse())),
    ) as typeof m;
    expect(sameMappingSettings(m, reordered)).toBe(true);
  });
});

import { type EventSourceMapping, mappingFromSpec, mappingUuidOf } from '@lamina/core';
import type { EventSourceMappingResource } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { planMirror } from './mirror-plan.js';

const resource = (
  name: string,
  spec: Partial<EventSourceMappingResource['spec']> = {},
  extra: { created?: string; status?: Record<string, unknown>; generation?: number } = {},
): EventSourceMappingResource =>
  ({
    apiVersion: 'lamina.dev/v1alpha1',
    kind: 'EventSourceMapping',
    metadata: {
      name,
      namespace: 'ns',
      generation: extra.generation ?? 1,
      creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z',
    },
    spec: {
      functionName: 'fn',
      enabled: true,
      topics: ['t'],
      bootstrapServers: ['k:9092'],
      startingPosition: 'LATEST',
      batchSize: 100,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
      ...spec,
    },
    ...(extra.status === undefined ? {} : { status: extra.status }),
  }) as unknown as EventSourceMappingResource;

const mappingOf = (r: EventSourceMappingResource, nowMs: number): EventSourceMapping =>
  mappingFromSpec(r.metadata.name ?? '', r.spec, nowMs);

describe('planMirror', () => {
  it('puts new resources, removes mappings without one, reports Creating until the poller says', () => {
    const r = resource('orders');
    const plan = planMirror({
      resources: [r],
      mirrored: new Map([['gone', undefined]]),
      reports: new Map(),
      nowMs: 5000,
    });
    expect(plan.puts).toEqual([mappingOf(r, 5000)]);
    expect(plan.deletes).toEqual(['gone']);
    expect(plan.statuses).toEqual([
      {
        namespace: 'ns',
        name: 'orders',
        status: {
          observedGeneration: 1,
          uuid: mappingUuidOf('orders'),
          state: 'Creating',
          stateTransitionReason: 'USER_INITIATED',
          lastProcessingResult: 'No records processed',
        },
      },
    ]);
  });

  it('keeps lastModified of unchanged settings, stamps changed ones, copies the poller report', () => {
    const r = resource('orders', { batchSize: 10 }, { generation: 2 });
    const before = mappingOf(resource('orders'), 1000);
    const uuid = mappingUuidOf('orders');
    const report = {
      state: 'Enabled',
      stateTransitionReason: 'USER_INITIATED',
      lastProcessingResult: 'OK',
    } as const;
    const changed = planMirror({
      resources: [r],
      mirrored: new Map([[uuid, before]]),
      reports: new Map([[uuid, report]]),
      nowMs: 9000,
    });
    expect(changed.puts).toEqual([{ ...mappingOf(r, 9000), lastModified: 9000 }]);
    expect(changed.statuses[0]?.status).toMatchObject({
      observedGeneration: 2,
      state: 'Enabled',
      lastProcessingResult: 'OK',
    });

    const same = planMirror({
      resources: [resource('orders')],
      mirrored: new Map([[uuid, JSON.parse(JSON.stringify(before)) as EventSourceMapping]]),
      reports: new Map(),
      nowMs: 9000,
    });
    expect(same.puts).toEqual([]);
    expect(same.deletes).toEqual([]);
  });

  it('patches only the status fields that differ, and nothing when all match', () => {
    const uuid = mappingUuidOf('orders');
    const status = {
      observedGeneration: 1,
      uuid,
      state: 'Enabled',
      stateTransitionReason: 'USER_INITIATED',
      lastProcessingResult: 'No records processed',
    };
    const r = resource('orders', {}, { status });
    const mirrored = new Map([[uuid, mappingOf(r, 1)]]);
    const reports = new Map([
      [
        uuid,
        { state: 'Enabled', stateTransitionReason: 'USER_INITIATED', lastProcessingResult: 'OK' },
      ],
    ] as const);
    expect(planMirror({ resources: [r], mirrored, reports, nowMs: 2 }).statuses).toEqual([
      { namespace: 'ns', name: 'orders', status: { lastProcessingResult: 'OK' } },
    ]);
    const done = resource('orders', {}, { status: { ...status, lastProcessingResult: 'OK' } });
    expect(planMirror({ resources: [done], mirrored, reports, nowMs: 2 }).statuses).toEqual([]);
  });

  it('refuses an invalid spec and a second user of a consumer group (the older one wins)', () => {
    const bad = resource('bad', { bootstrapServers: ['no-port'] });
    const first = resource('first', { consumerGroupId: 'g' }, { created: '2026-01-01T00:00:00Z' });
    const second = resource(
      'second',
      { consumerGroupId: 'g' },
      { created: '2026-01-02T00:00:00Z' },
    );
    const plan = planMirror({
      resources: [second, bad, first],
      mirrored: new Map(),
      reports: new Map(),
      nowMs: 1,
    });
    expect(plan.puts.map((m) => m.uuid)).toEqual([mappingUuidOf('first')]);
    const byName = new Map(plan.statuses.map((s) => [s.name, s.status]));
    expect(byName.get('bad')).toEqual({
      observedGeneration: 1,
      lastProcessingResult: expect.stringMatching(/^PROBLEM: invalid spec: .*KAFKA_BOOTSTRAP/),
    });
    expect(byName.get('second')).toEqual({
      observedGeneration: 1,
      uuid: mappingUuidOf('second'),
      lastProcessingResult: `PROBLEM: the consumer group ID g is already used by event source mapping ${mappingUuidOf('first')}`,
    });
  });

  it('ignores resources being deleted, so their mappings are removed', () => {
    const r = resource('orders');
    r.metadata.deletionTimestamp = new Date();
    const uuid = mappingUuidOf('orders');
    const plan = planMirror({
      resources: [r],
      mirrored: new Map([[uuid, mappingOf(r, 1)]]),
      reports: new Map(),
      nowMs: 2,
    });
    expect(plan).toEqual({ puts: [], deletes: [uuid], statuses: [] });
  });
});

describe('planMirror with SQS mappings', () => {
  it('mirrors SQS resources (Kafka defaults in the spec are ignored), several per queue', () => {
    const sqs = (name: string): EventSourceMappingResource => ({
      ...resource(name),
      spec: {
        functionName: 'fn',
        enabled: true,
        eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:orders',
        scalingConfig: { maximumConcurrency: 3 },
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: -1,
        bisectBatchOnFunctionError: false,
      },
    });
    const plan = planMirror({
      resources: [sqs('a'), sqs('b')],
      mirrored: new Map(),
      reports: new Map(),
      nowMs: 1,
    });
    expect(plan.puts.map((m) => m.uuid)).toEqual([mappingUuidOf('a'), mappingUuidOf('b')]);
    expect(plan.puts[0]).toMatchObject({
      kind: 'sqs',
      eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:orders',
      batchSize: 10,
      maximumConcurrency: 3,
    });
  });
});

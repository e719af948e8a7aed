import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  type LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { esmKeys, mappingUuidOf } from '@lamina/core';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig as loadPollerConfig } from '../../services/poller/src/config.js';
import { type PollerHandle, startPoller } from '../../services/poller/src/start-poller.js';
import { getJson, kubectlOk } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';

// Cluster mode, issue 14: EventSourceMapping resources are the pollers' source of truth. The
// real API server, Redis and Kafka; the operator a real process (it mirrors the resources into
// the Redis store the poller reads and writes the poller's reports back into their status); the
// cluster gateway and a poller in this process. No worker image runs here, so an invocation of
// the function fails (no pod becomes ready): the poller's PROBLEM report is what reaches the
// status. The successful invoke path of a Kafka batch is covered by test/kafka in local mode.

interface EsmObject {
  metadata: { name: string };
  spec: Record<string, unknown>;
  status?: { state?: string; uuid?: string; lastProcessingResult?: string };
}

describe('cluster mode: EventSourceMapping resources drive the poller', () => {
  const brokers = testEnv.kafkaBrokers();
  let keys = esmKeys('unset');
  const fn = 'consumer';
  let ns = '';
  let lamina: ClusterLamina | undefined;
  let poller: PollerHandle | undefined;
  let lambda: LambdaClient;
  let redis: Redis;
  const kafka = new Kafka({
    clientId: uniqueName('esm-test'),
    brokers,
    logLevel: logLevel.NOTHING,
  });
  const topic = uniqueName('esm-topic');

  const esm = (name: string) =>
    getJson<EsmObject>(['get', 'eventsourcemappings.lamina.dev', name, '-n', ns]);
  const mirrored = async (uuid: string) => {
    const text = await redis.hget(keys.mappings, uuid);
    return text === null ? undefined : (JSON.parse(text) as Record<string, unknown>);
  };

  beforeAll(async () => {
    lamina = await startClusterLamina({
      name: 'esm',
      runtime: null,
      operatorEnv: { LAMINA_MAPPING_SYNC_INTERVAL_MS: '300' },
      gatewayEnv: { LAMINA_COLD_START_WAIT_MS: '500' },
    });
    ns = lamina.ns;
    keys = esmKeys(lamina.prefix);
    lambda = lamina.lambda;
    redis = new Redis(lamina.redisUrl);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    poller = await startPoller({
      config: loadPollerConfig({
        REDIS_URL: lamina.redisUrl,
        LAMINA_REDIS_PREFIX: lamina.prefix,
        LAMINA_GATEWAY_URL: lamina.gateway.url,
        LAMINA_POLLER_SYNC_INTERVAL_MS: '300',
        LAMINA_POLLER_RETRY_MIN_MS: '200',
        LAMINA_POLLER_RETRY_MAX_MS: '1000',
        LAMINA_POLLER_SESSION_TIMEOUT_MS: '6000',
      }),
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
    });
    // The function the mappings name (its code is never run here).
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata:
  name: ${fn}
spec:
  runtime: nodejs22.x
  handler: index.handler
  code:
    sha256: ${'e'.repeat(64)}
`,
    );
  });

  afterAll(async () => {
    await poller?.stop();
    await redis.del(keys.mappings, keys.status);
    redis.disconnect();
    await lamina?.stop();
  }, 120_000);

  it('a resource applied with kubectl reaches the poller, which joins; status shows Enabled', async () => {
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: lamina.dev/v1alpha1
kind: EventSourceMapping
metadata:
  name: orders
spec:
  functionName: ${fn}
  topics: [${topic}]
  bootstrapServers: [${brokers.map((b) => `'${b}'`).join(', ')}]
  startingPosition: TRIM_HORIZON
  batchSize: 10
`,
    );
    const uuid = mappingUuidOf('orders');
    const m = await eventually(() => mirrored(uuid), { what: 'the mapping in the poller store' });
    expect(m).toMatchObject({ uuid, functionName: fn, topics: [topic], batchSize: 10 });
    const status = await eventually(
      async () => {
        const s = (await esm('orders'))?.status;
        return s?.state === 'Enabled' ? s : undefined;
      },
      { what: 'State Enabled on the resource', timeoutMs: 60_000 },
    );
    // (lastProcessingResult may already carry a transient PROBLEM of a fresh broker's group
    // coordinator, which the poller reports while it retries.)
    expect(status).toMatchObject({ uuid, stateTransitionReason: 'USER_INITIATED' });

    // The Lambda API sees the same mapping, under the same UUID.
    const got = await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(got).toMatchObject({ UUID: uuid, State: 'Enabled', Topics: [topic], BatchSize: 10 });
  });

  it('after a batch, the poller result is written back as LastProcessingResult', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'hello' }] });
    await producer.disconnect();
    // No worker pod runs the function, so the invoke fails and the poller keeps retrying.
    const status = await eventually(
      async () => {
        const s = (await esm('orders'))?.status;
        return s?.lastProcessingResult?.startsWith('PROBLEM: Function call failed') === true
          ? s
          : undefined;
      },
      { what: 'LastProcessingResult on the resource', timeoutMs: 60_000 },
    );
    expect(status.state).toBe('Enabled');
    const got = await lambda.send(
      new GetEventSourceMappingCommand({ UUID: mappingUuidOf('orders') }),
    );
    expect(got.LastProcessingResult).toBe(status.lastProcessingResult);
  });

  it('CreateEventSourceMapping creates a resource; Update changes it; Delete removes it', async () => {
    const created = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: fn,
        Topics: [uniqueName('api-topic')],
        SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: brokers } },
        StartingPosition: 'LATEST',
        BatchSize: 5,
        Enabled: false,
      }),
    );
    const uuid = created.UUID ?? '';
    const resource = await esm(uuid);
    expect(resource?.spec).toMatchObject({
      functionName: fn,
      batchSize: 5,
      enabled: false,
      consumerGroupId: uuid,
    });
    await eventually(() => mirrored(uuid), { what: 'the API-created mapping in the poller store' });
    await eventually(
      async () => ((await esm(uuid))?.status?.state === 'Disabled' ? true : undefined),
      { what: 'State Disabled on the API-created resource' },
    );
    const listed = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn }));
    expect(listed.EventSourceMappings?.map((m) => m.UUID).sort()).toEqual(
      [uuid, mappingUuidOf('orders')].sort(),
    );

    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 50 }));
    expect((await esm(uuid))?.spec['batchSize']).toBe(50);
    await eventually(
      async () => ((await mirrored(uuid))?.['batchSize'] === 50 ? true : undefined),
      { what: 'the update in the poller store' },
    );

    const deleted = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    expect(deleted.State).toBe('Deleting');
    expect(await esm(uuid)).toBeUndefined();
    await eventually(async () => ((await mirrored(uuid)) === undefined ? true : undefined), {
      what: 'the mapping gone from the poller store',
    });
  });

  it('kubectl delete removes the mapping from the poller store', async () => {
    await kubectlOk(['delete', 'eventsourcemappings.lamina.dev', 'orders', '-n', ns]);
    await eventually(
      async () => ((await mirrored(mappingUuidOf('orders'))) === undefined ? true : undefined),
      { what: 'the kubectl mapping gone from the poller store' },
    );
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  asyncKeys,
  type EventSourceMapping,
  esmKeys,
  functionArn,
  Lifecycle,
  type MappingStatus,
  parseFunctionRef,
} from '@lamina/core';
import {
  GatewayClient,
  KAFKA_INVOKE_RULES,
  SqsQueues,
  agentFor,
  type Tracing,
} from '@lamina/service-kit';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import type { PollerConfig } from './config.js';
import { DestinationSender } from './failure-sender.js';
import type { Invoker } from './kafka-invoker.js';
import { kafkaLogCreator } from './kafka-logger.js';
import { kafkaOptions } from './kafka-options.js';
import { MappingConsumer } from './mapping-consumer.js';
import { MappingSupervisor } from './mapping-supervisor.js';
import { createMetrics } from './metrics.js';
import { SqsConsumer } from './sqs-consumer.js';

export interface StartPollerOptions {
  readonly config: Omit<PollerConfig, 'port' | 'host' | 'logLevel'>;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly now?: () => number;
  /** Spans of Kafka batches (service-kit's createTracing); default off. */
  readonly tracing?: Tracing;
  /**
   * How batches reach the function: the composition root's invoke path (in `lamina dev`, the
   * gateway's Invoke of the same process, ADR 0055/0058). Default: the gateway's Invoke API over
   * HTTP at `config.gatewayUrl`. Function destinations' Event invokes always go over HTTP.
   */
  readonly invoker?: Invoker;
}

export interface PollerHandle {
  /** Idempotent: stops every consumer (in-flight batches are dropped uncommitted), disconnects. */
  stop(): Promise<Error[]>;
}

const parse = (text: string): EventSourceMapping | undefined => {
  try {
    return JSON.parse(text) as EventSourceMapping;
  } catch {
    return undefined;
  }
};

/**
 * Wires and starts a poller: Redis (the mapping store the gateway writes), the invoke path
 * client, one kafkajs consumer per enabled mapping, metrics. The standalone `main` and local
 * mode (`lamina dev`) both use it; several replicas share the partitions of each group.
 */
export async function startPoller(o: StartPollerOptions): Promise<PollerHandle> {
  const { config, logger, registry } = o;
  const now = o.now ?? Date.now;
  const lifecycle = new Lifecycle();
  try {
    const keys = esmKeys(config.redisPrefix);
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
    await redis.connect();
    lifecycle.add({ name: 'redis', stop: () => redis.quit().then(() => undefined) });
    const agent = agentFor(
      config.gatewayUrl,
      { keepAlive: true, maxSockets: 256 },
      config.gatewayCaFile,
    );
    lifecycle.add({
      name: 'http agent',
      stop: () => {
        agent.destroy();
      },
    });
    const gateway = new GatewayClient({
      gatewayUrl: config.gatewayUrl,
      agent,
      invokeTimeoutMs: config.invokeTimeoutMs,
      rules: KAFKA_INVOKE_RULES,
      ...(config.gatewayCredentials === undefined
        ? {}
        : { credentials: { ...config.gatewayCredentials, region: config.region } }),
    });
    const invoker = o.invoker ?? gateway;
    const metrics = createMetrics(registry);
    const arnContext = { region: config.region, accountId: config.accountId };
    const readSecret = async (uri: string): Promise<Record<string, string>> => {
      const path = config.secretsDir === undefined ? uri : join(config.secretsDir, uri);
      return JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
    };

    const sqs = config.sqs === undefined ? undefined : new SqsQueues(config.sqs);
    if (sqs !== undefined)
      lifecycle.add({
        name: 'sqs clients',
        stop: () => {
          sqs.destroy();
        },
      });

    const supervisor = new MappingSupervisor({
      intervalMs: config.syncIntervalMs,
      logger,
      list: async () =>
        Object.values(await redis.hgetall(keys.mappings))
          .map(parse)
          .filter((m) => m !== undefined),
      putStatus: async (uuid: string, status: MappingStatus) => {
        // Only while the mapping exists: a deleted mapping gets no status back.
        if ((await redis.hexists(keys.mappings, uuid)) === 1)
          await redis.hset(keys.status, uuid, JSON.stringify(status));
      },
      start: async (m, reports) => {
        const log = logger.child({ mapping: m.uuid });
        if (m.kind === 'sqs') {
          if (sqs === undefined)
            throw new Error('no SQS endpoint is configured (LAMINA_SQS_ENDPOINT)');
          const consumer = new SqsConsumer({
            mapping: m,
            queues: sqs,
            invoker,
            metrics,
            logger: log,
            now,
            maxPollers: config.sqsMaxPollers,
            retryDelayMs: config.retryMinMs,
            onState: (e, d) => {
              reports.onState(e, d);
            },
            onResult: (r) => {
              reports.onResult(r);
            },
          });
          await consumer.start();
          return consumer;
        }
        const kafka = new Kafka({
          clientId: `lamina-poller-${m.uuid}`,
          ...(await kafkaOptions(m, readSecret)),
          logLevel: logLevel.WARN,
          logCreator: kafkaLogCreator(log),
        });
        const failures = new DestinationSender({
          producer: kafka.producer({ allowAutoTopicCreation: true }),
          redis,
          keys: asyncKeys(config.redisPrefix),
          invokeEvent: (arn, body) => gateway.invokeEvent(arn, body),
          fetch,
          sqs,
        });
        const ref = parseFunctionRef(m.functionName);
        const consumer = new MappingConsumer({
          mapping: m,
          kafka,
          invoker,
          ...(o.tracing === undefined ? {} : { tracing: o.tracing }),
          failures,
          metrics,
          logger: log,
          now,
          backoff: { minMs: config.retryMinMs, maxMs: config.retryMaxMs },
          functionArn: functionArn(arnContext, ref.name, ref.qualifier),
          mappingArn: `arn:aws:lambda:${config.region}:${config.accountId}:event-source-mapping:${m.uuid}`,
          onResult: (r) => {
            reports.onResult(r);
          },
          onState: (e, d) => {
            reports.onState(e, d);
          },
          tuning: {
            sessionTimeoutMs: config.sessionTimeoutMs,
            partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
            maxBytesPerPartition: config.maxBytesPerPartition,
            fetchBytesPerPartition: config.fetchBytesPerPartition,
            fetchAhead: config.fetchAhead,
          },
        });
        try {
          await consumer.start();
        } catch (err) {
          await consumer.stop().catch(() => undefined);
          throw err;
        }
        return {
          stop: async () => {
            await consumer.stop();
            await failures.close();
          },
        };
      },
    });
    await supervisor.start();
    lifecycle.add({ name: 'mappings', stop: () => supervisor.stop() });
    return { stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

import {
  ASYNC_JOB_OPTIONS,
  asyncJobId,
  asyncKeys,
  type InvokeApi,
  Lifecycle,
  scheduleKeys,
} from '@lamina/core';
import {
  ASYNC_INVOKE_RULES,
  GatewayClient,
  SqsQueues,
  agentFor,
  invokerOver,
  type Tracing,
} from '@lamina/service-kit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { invokeAsyncEvent } from './async-attempt.js';
import { AsyncDemand } from './async-demand.js';
import { AsyncDispatcher } from './async-dispatcher.js';
import { RedisAsyncConfigs } from './async-configs.js';
import type { DispatcherConfig } from './config.js';
import { EventProcessor } from './event-processor.js';
import { IntakeConsumer } from './intake-consumer.js';
import { createMetrics } from './metrics.js';
import { QueueDepth } from './queue-depth.js';
import { RunRecords } from './run-records.js';
import { createScheduleMetrics } from './schedules/schedule-metrics.js';
import { SqsScheduleDeadLetters } from './schedules/schedule-dead-letter.js';
import { ScheduleRunner } from './schedules/schedule-runner.js';
import { realSleep } from './targets/delivery.js';
import { KafkaSender } from './targets/kafka-sender.js';
import { NamedQueueSender } from './targets/named-queue.js';
import { SqsSender } from './targets/sqs-sender.js';
import { TargetRouter } from './targets/target-router.js';
import { WebhookSender } from './targets/webhook-sender.js';

export interface StartDispatcherOptions {
  readonly config: Omit<DispatcherConfig, 'port' | 'host' | 'logLevel'>;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly now?: () => number;
  /** Spans of attempts and deliveries (service-kit's createTracing); default off. */
  readonly tracing?: Tracing;
  /**
   * The gateway's Invoke API in this process (`lamina dev`, ADR 0055): events' attempts run
   * through it instead of HTTP to `config.gatewayUrl`. Destinations' Event invokes and schedules
   * still go over HTTP. Default: every call over HTTP.
   */
  readonly invokeApi?: InvokeApi;
}

export interface DispatcherHandle {
  /** Idempotent: stops taking events, finishes or hands back the running ones, disconnects. */
  stop(): Promise<Error[]>;
}

/**
 * Wires and starts a dispatcher: Redis connections, the BullMQ worker, the invoke path client,
 * the targets and the metrics. The standalone `main` and local mode (`lamina dev`) both use it.
 */
export async function startDispatcher(o: StartDispatcherOptions): Promise<DispatcherHandle> {
  const { config, logger, registry } = o;
  const lifecycle = new Lifecycle();
  try {
    const keys = asyncKeys(config.redisPrefix);
    // BullMQ blocks on its connection: no per-request retry limit, queue commands offline.
    const bull = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    await bull.connect();
    lifecycle.add({ name: 'bullmq redis', stop: () => bull.quit().then(() => undefined) });
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
    await redis.connect();
    lifecycle.add({ name: 'redis', stop: () => redis.quit().then(() => undefined) });
    // Each event's reads and writes (its config, run record, the batched acks) on a connection
    // BullMQ never defines its scripts on: an ioredis pipeline copies every script of its
    // connection when it is built (~60 of BullMQ's), which a profile showed per ack (ADR 0048).
    const events = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
    await events.connect();
    lifecycle.add({ name: 'events redis', stop: () => events.quit().then(() => undefined) });
    // The intake stream's blocking reads wait on a connection of their own (ADR 0043).
    const intakeReads = new Redis(config.redisUrl, {
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    await intakeReads.connect();
    lifecycle.add({
      name: 'intake redis',
      stop: () => {
        // A read may be blocked: no QUIT behind it.
        intakeReads.disconnect();
      },
    });

    const agent = agentFor(
      config.gatewayUrl,
      { keepAlive: true, maxSockets: config.concurrency + 8 },
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
      rules: ASYNC_INVOKE_RULES,
      ...(config.gatewayCredentials === undefined
        ? {}
        : { credentials: { ...config.gatewayCredentials, region: config.region } }),
    });
    const producer =
      config.kafkaBrokers.length === 0
        ? undefined
        : new Kafka({
            clientId: 'lamina-dispatcher',
            brokers: [...config.kafkaBrokers],
            logLevel: logLevel.WARN,
          }).producer({ allowAutoTopicCreation: true });
    // One SQS client set: the function dead-letter/destination targets and schedule DLQs.
    const sqsQueues = config.sqs === undefined ? undefined : new SqsQueues(config.sqs);
    const targets = new TargetRouter({
      queue: new NamedQueueSender(redis, keys),
      ...(sqsQueues === undefined ? {} : { sqs: new SqsSender(sqsQueues) }),
      kafka: new KafkaSender(producer),
      webhook: new WebhookSender({
        fetch,
        sleep: realSleep,
        attempts: config.webhookAttempts,
        timeoutMs: config.webhookTimeoutMs,
      }),
      functions: gateway,
    });
    lifecycle.add({ name: 'targets', stop: () => targets.close() });

    const depth = new QueueDepth(redis, keys);
    lifecycle.add({ name: 'queue depth', stop: () => depth.close() });
    const metrics = createMetrics(registry, () => depth.perFunction());
    const records = new RunRecords({
      redis: events,
      keys,
      ttlMs: config.runRecordTtlMs,
      awaitRunning: config.awaitRunning,
      onWait: (job) => {
        metrics.awaited.labels(job.functionName).inc();
      },
    });
    const attempts =
      o.invokeApi === undefined ? gateway : invokerOver(o.invokeApi, ASYNC_INVOKE_RULES);
    const processor = new EventProcessor({
      invoke: (job, startedCount, trace) =>
        invokeAsyncEvent(attempts, job, { records, startedCount }, trace),
      configs: new RedisAsyncConfigs(events, keys),
      targets,
      metrics,
      logger,
      arnContext: { region: config.region, accountId: config.accountId },
      retry: config,
      now: o.now ?? Date.now,
      ...(o.tracing === undefined ? {} : { tracing: o.tracing }),
    });
    const dispatcher = new AsyncDispatcher({
      connection: bull,
      keys,
      processor,
      logger,
      concurrency: config.concurrency,
      lockDurationMs: config.lockDurationMs,
      stalledIntervalMs: config.stalledIntervalMs,
      maxStalledCount: config.maxStalledCount,
    });
    await dispatcher.start();
    lifecycle.add({
      name: 'async worker',
      stop: () => dispatcher.close(config.shutdownTimeoutMs),
    });
    // First attempts come from the intake stream; a retry becomes a delayed BullMQ job (the
    // same job id per event, so a hand-off repeated after a crash adds nothing).
    const retries = new Queue(keys.queueName, { connection: redis, prefix: keys.bullPrefix });
    lifecycle.add({ name: 'retry queue', stop: () => retries.close() });
    const intake = new IntakeConsumer({
      blocking: intakeReads,
      redis: events,
      keys,
      consumer: `${hostname()}-${String(process.pid)}-${randomBytes(3).toString('hex')}`,
      processor,
      retryAt: async (data, at) => {
        await retries.add(data.functionName, data, {
          jobId: asyncJobId(data.functionName, data.requestId),
          delay: Math.max(0, at - Date.now()),
          ...ASYNC_JOB_OPTIONS,
        });
      },
      logger,
      concurrency: config.concurrency,
      busy: () => dispatcher.running,
      lockDurationMs: config.lockDurationMs,
      stalledIntervalMs: config.stalledIntervalMs,
      maxStalledCount: config.maxStalledCount,
    });
    await intake.start();
    lifecycle.add({ name: 'async intake', stop: () => intake.close(config.shutdownTimeoutMs) });
    if (config.demandNamespace !== undefined) {
      let lastErrorLog = 0;
      const demand = new AsyncDemand({
        ready: (limit) => depth.ready(limit),
        free: () => config.concurrency - dispatcher.takePeakRunning() - intake.takePeakRunning(),
        namespace: config.demandNamespace,
        redisPrefix: config.redisPrefix,
        redis,
        reporterId: `dispatcher-${hostname()}-${String(process.pid)}-${randomBytes(3).toString('hex')}`,
        intervalMs: config.demandReportMs,
        onError: (err) => {
          // At most one line a minute: Redis down is already loud elsewhere.
          if (Date.now() - lastErrorLog < 60_000) return;
          lastErrorLog = Date.now();
          logger.warn({ err }, 'could not report scaling demand');
        },
      });
      demand.start();
      // Stopped before the worker and the Redis connection (the lifecycle stops in reverse).
      lifecycle.add({ name: 'async demand', stop: () => demand.stop() });
    }
    if (config.schedulerEnabled) {
      const runner = new ScheduleRunner({
        redis,
        keys: scheduleKeys(config.redisPrefix),
        sender: gateway,
        arnContext: { region: config.region, accountId: config.accountId },
        metrics: createScheduleMetrics(registry),
        logger: logger.child({ component: 'scheduler' }),
        now: o.now ?? Date.now,
        intervalMs: config.schedulerIntervalMs,
        graceMs: config.schedulerGraceMs,
        deadLetters: new SqsScheduleDeadLetters(sqsQueues),
        owner: `${hostname()}-${String(process.pid)}`,
      });
      runner.start();
      lifecycle.add({ name: 'schedule runner', stop: () => runner.stop() });
    }
    return { stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}

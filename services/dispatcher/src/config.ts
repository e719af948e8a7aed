import {
  ConfigError,
  envInt,
  envOptional,
  type LogLevel,
  parseEnv,
  serviceConfigOf,
  type ServiceConfig,
  serviceEnvShape,
  type SqsConfig,
  sqsConfigOf,
  sqsEnvShape,
} from '@lamina/core';
import { z } from 'zod';

const optional = envOptional;
const int = envInt;

const msList = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'must be a comma-separated list of milliseconds')
  .transform((s) => s.split(',').map(Number));

const schema = z.object({
  ...serviceEnvShape,
  ...sqsEnvShape,
  LAMINA_DISPATCHER_PORT: optional(int(0).max(65_535).default(9102)),
  LAMINA_ASYNC_RETRY_DELAYS_MS: optional(msList.default([60_000, 120_000])),
  LAMINA_ASYNC_THROTTLE_MIN_MS: optional(int(1).default(1000)),
  LAMINA_ASYNC_THROTTLE_MAX_MS: optional(int(1).default(300_000)),
  LAMINA_DISPATCHER_CONCURRENCY: optional(int(1).default(32)),
  LAMINA_DISPATCHER_LOCK_MS: optional(int(1000).default(30_000)),
  LAMINA_DISPATCHER_STALLED_INTERVAL_MS: optional(int(500).default(15_000)),
  LAMINA_DISPATCHER_MAX_STALLED: optional(int(1).default(100)),
  LAMINA_DISPATCHER_RUN_RECORD_MS: optional(int(0).optional()),
  LAMINA_DISPATCHER_AWAIT_RUNNING: optional(z.enum(['true', 'false']).default('true')),
  LAMINA_WEBHOOK_ATTEMPTS: optional(int(1).default(5)),
  LAMINA_WEBHOOK_TIMEOUT_MS: optional(int(100).default(10_000)),
  KAFKA_BROKERS: optional(z.string().optional()),
  /** Cluster mode: the functions' namespace; set, the dispatcher reports scaling demand. */
  LAMINA_NAMESPACE: optional(
    z
      .string()
      .regex(/^[a-z0-9-]{1,63}$/)
      .optional(),
  ),
  LAMINA_DEMAND_REPORT_MS: optional(int(100).default(1000)),
  LAMINA_SCHEDULER_ENABLED: optional(z.enum(['true', 'false']).default('true')),
  LAMINA_SCHEDULER_INTERVAL_MS: optional(int(50).default(1000)),
  LAMINA_SCHEDULER_GRACE_MS: optional(int(0).default(60_000)),
});

export type { LogLevel };

export interface DispatcherConfig extends ServiceConfig {
  /** Metrics and health; 0 picks a free port. */
  readonly port: number;
  /** Delays before the 2nd, 3rd … attempt after a function error. */
  readonly retryDelaysMs: readonly number[];
  /** Throttle / system error backoff: doubles from min up to max. */
  readonly throttleMinMs: number;
  readonly throttleMaxMs: number;
  /** Events in flight per dispatcher process. */
  readonly concurrency: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  /**
   * How long the gateway keeps the outcome of an attempt (ADR 0026), so a pickup after a dead
   * dispatcher does not run it again; 0 turns run records off. Default: twice lock + stalled,
   * at least 60 s (a lone dispatcher's restart).
   */
  readonly runRecordTtlMs: number;
  /**
   * A pickup whose attempt is still running in the gateway waits for its outcome (ADR 0048);
   * false runs it again at once, as before (a bench's baseline).
   */
  readonly awaitRunning: boolean;
  readonly webhookAttempts: number;
  readonly webhookTimeoutMs: number;
  readonly kafkaBrokers: readonly string[];
  /**
   * Cluster mode (ADR 0017): the namespace of the functions, the demand target's namespace;
   * set, the dispatcher reports the async events it could start now as `asyncDepth`.
   */
  readonly demandNamespace: string | undefined;
  readonly demandReportMs: number;
  /** Run the schedule runner (EventBridge Scheduler ticks) in this process. */
  readonly schedulerEnabled: boolean;
  /** How often the runner reads the schedules. */
  readonly schedulerIntervalMs: number;
  /** How late a tick may still fire; older missed ticks are skipped, never replayed. */
  readonly schedulerGraceMs: number;
  /** SQS targets (queue ARNs) go there; undefined: they are named Lamina queues. */
  readonly sqs: SqsConfig | undefined;
}

export { ConfigError };

/** Reads the dispatcher's configuration from an environment (a value, not process.env). */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): DispatcherConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    ...serviceConfigOf(e),
    port: e.LAMINA_DISPATCHER_PORT,
    retryDelaysMs: Object.freeze(e.LAMINA_ASYNC_RETRY_DELAYS_MS),
    throttleMinMs: e.LAMINA_ASYNC_THROTTLE_MIN_MS,
    throttleMaxMs: Math.max(e.LAMINA_ASYNC_THROTTLE_MAX_MS, e.LAMINA_ASYNC_THROTTLE_MIN_MS),
    concurrency: e.LAMINA_DISPATCHER_CONCURRENCY,
    lockDurationMs: e.LAMINA_DISPATCHER_LOCK_MS,
    stalledIntervalMs: e.LAMINA_DISPATCHER_STALLED_INTERVAL_MS,
    maxStalledCount: e.LAMINA_DISPATCHER_MAX_STALLED,
    // Covers the lock expiry and stalled check, and a lone dispatcher's restart (≥ 60 s).
    runRecordTtlMs:
      e.LAMINA_DISPATCHER_RUN_RECORD_MS ??
      Math.max(60_000, 2 * (e.LAMINA_DISPATCHER_LOCK_MS + e.LAMINA_DISPATCHER_STALLED_INTERVAL_MS)),
    awaitRunning: e.LAMINA_DISPATCHER_AWAIT_RUNNING === 'true',
    webhookAttempts: e.LAMINA_WEBHOOK_ATTEMPTS,
    webhookTimeoutMs: e.LAMINA_WEBHOOK_TIMEOUT_MS,
    kafkaBrokers: (e.KAFKA_BROKERS ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== ''),
    demandNamespace: e.LAMINA_NAMESPACE,
    demandReportMs: e.LAMINA_DEMAND_REPORT_MS,
    schedulerEnabled: e.LAMINA_SCHEDULER_ENABLED === 'true',
    schedulerIntervalMs: e.LAMINA_SCHEDULER_INTERVAL_MS,
    schedulerGraceMs: e.LAMINA_SCHEDULER_GRACE_MS,
    sqs: sqsConfigOf(e),
  });
}

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

const schema = z.object({
  ...serviceEnvShape,
  ...sqsEnvShape,
  LAMINA_POLLER_PORT: optional(int(0).max(65_535).default(9103)),
  LAMINA_POLLER_SYNC_INTERVAL_MS: optional(int(100).default(2000)),
  LAMINA_POLLER_SESSION_TIMEOUT_MS: optional(int(6000).default(30_000)),
  LAMINA_POLLER_PARTITIONS_CONCURRENTLY: optional(int(1).default(16)),
  LAMINA_POLLER_MAX_BYTES_PER_PARTITION: optional(int(1024).default(10_485_760)),
  LAMINA_POLLER_FETCH_BYTES_PER_PARTITION: optional(int(1024).default(1_048_576)),
  LAMINA_POLLER_FETCH_AHEAD: optional(z.enum(['true', 'false']).default('true')),
  LAMINA_POLLER_RETRY_MIN_MS: optional(int(1).default(500)),
  LAMINA_POLLER_RETRY_MAX_MS: optional(int(1).default(60_000)),
  LAMINA_POLLER_SECRETS_DIR: optional(z.string().optional()),
  LAMINA_POLLER_SQS_MAX_POLLERS: optional(int(1).max(1000).default(10)),
});

export type { LogLevel };

export interface PollerConfig extends ServiceConfig {
  /** Metrics and health; 0 picks a free port. */
  readonly port: number;
  /** How often the mapping store is read for created, changed and deleted mappings. */
  readonly syncIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly partitionsConsumedConcurrently: number;
  /** The most a fetch asks for per partition (fetchBytesPerPartition sizes it by BatchSize). */
  readonly maxBytesPerPartition: number;
  /** The least a fetch asks for per partition (ADR 0054). */
  readonly fetchBytesPerPartition: number;
  /** Fetch a partition's next records while its batch runs (ADR 0054). */
  readonly fetchAhead: boolean;
  /** Backoff between retries: doubles from min up to max, jittered. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** Where SourceAccessConfigurations URIs are looked up (a mounted Secret); else URI = path. */
  readonly secretsDir: string | undefined;
  /** SQS mappings' endpoint; undefined: they report a PROBLEM and do not run. */
  readonly sqs: SqsConfig | undefined;
  /** Concurrent pollers (and invokes) per SQS mapping in one poller at most. */
  readonly sqsMaxPollers: number;
}

export { ConfigError };

/** Reads the poller's configuration from an environment (a value, not process.env). */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): PollerConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    ...serviceConfigOf(e),
    port: e.LAMINA_POLLER_PORT,
    syncIntervalMs: e.LAMINA_POLLER_SYNC_INTERVAL_MS,
    sessionTimeoutMs: e.LAMINA_POLLER_SESSION_TIMEOUT_MS,
    partitionsConsumedConcurrently: e.LAMINA_POLLER_PARTITIONS_CONCURRENTLY,
    maxBytesPerPartition: e.LAMINA_POLLER_MAX_BYTES_PER_PARTITION,
    fetchAhead: e.LAMINA_POLLER_FETCH_AHEAD === 'true',
    fetchBytesPerPartition: Math.min(
      e.LAMINA_POLLER_FETCH_BYTES_PER_PARTITION,
      e.LAMINA_POLLER_MAX_BYTES_PER_PARTITION,
    ),
    retryMinMs: e.LAMINA_POLLER_RETRY_MIN_MS,
    retryMaxMs: Math.max(e.LAMINA_POLLER_RETRY_MAX_MS, e.LAMINA_POLLER_RETRY_MIN_MS),
    secretsDir: e.LAMINA_POLLER_SECRETS_DIR,
    sqs: sqsConfigOf(e),
    sqsMaxPollers: e.LAMINA_POLLER_SQS_MAX_POLLERS,
  });
}

import {
  ConfigError,
  envInt,
  envOptional,
  type LogLevel,
  parseEnv,
  serviceEnvShape,
} from '@lamina/core';
import { z } from 'zod';

const optional = envOptional;
const int = envInt;

const schema = z.object({
  ...serviceEnvShape,
  LAMINA_POLLER_PORT: optional(int(0).max(65_535).default(9103)),
  LAMINA_POLLER_SYNC_INTERVAL_MS: optional(int(100).default(2000)),
  LAMINA_POLLER_SESSION_TIMEOUT_MS: optional(int(6000).default(30_000)),
  LAMINA_POLLER_PARTITIONS_CONCURRENTLY: optional(int(1).default(16)),
  LAMINA_POLLER_MAX_BYTES_PER_PARTITION: optional(int(1024).default(10_485_760)),
  LAMINA_POLLER_RETRY_MIN_MS: optional(int(1).default(500)),
  LAMINA_POLLER_RETRY_MAX_MS: optional(int(1).default(60_000)),
  LAMINA_POLLER_SECRETS_DIR: optional(z.string().optional()),
  LAMINA_INVOKE_TIMEOUT_MS: optional(int(1000).default(960_000)),
  LAMINA_SHUTDOWN_TIMEOUT_MS: optional(int(0).default(25_000)),
});

export type { LogLevel };

export interface PollerConfig {
  readonly redisUrl: string;
  readonly redisPrefix: string;
  /** Where the sync Invoke API is (the same path clients use). */
  readonly gatewayUrl: string;
  /** Metrics and health; 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  readonly region: string;
  readonly accountId: string;
  /** How often the mapping store is read for created, changed and deleted mappings. */
  readonly syncIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly partitionsConsumedConcurrently: number;
  readonly maxBytesPerPartition: number;
  /** Backoff between retries: doubles from min up to max, jittered. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** Where SourceAccessConfigurations URIs are looked up (a mounted Secret); else URI = path. */
  readonly secretsDir: string | undefined;
  readonly invokeTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
}

export { ConfigError };

/** Reads the poller's configuration from an environment (a value, not process.env). */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): PollerConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    redisUrl: e.REDIS_URL,
    redisPrefix: e.LAMINA_REDIS_PREFIX,
    gatewayUrl: e.LAMINA_GATEWAY_URL.replace(/\/+$/, ''),
    port: e.LAMINA_POLLER_PORT,
    host: e.LAMINA_HOST,
    region: e.LAMINA_REGION,
    accountId: e.LAMINA_ACCOUNT_ID,
    syncIntervalMs: e.LAMINA_POLLER_SYNC_INTERVAL_MS,
    sessionTimeoutMs: e.LAMINA_POLLER_SESSION_TIMEOUT_MS,
    partitionsConsumedConcurrently: e.LAMINA_POLLER_PARTITIONS_CONCURRENTLY,
    maxBytesPerPartition: e.LAMINA_POLLER_MAX_BYTES_PER_PARTITION,
    retryMinMs: e.LAMINA_POLLER_RETRY_MIN_MS,
    retryMaxMs: Math.max(e.LAMINA_POLLER_RETRY_MAX_MS, e.LAMINA_POLLER_RETRY_MIN_MS),
    secretsDir: e.LAMINA_POLLER_SECRETS_DIR,
    invokeTimeoutMs: e.LAMINA_INVOKE_TIMEOUT_MS,
    logLevel: e.LAMINA_LOG_LEVEL,
    shutdownTimeoutMs: e.LAMINA_SHUTDOWN_TIMEOUT_MS,
  });
}

import { resolve } from 'node:path';

import {
  ConfigError,
  envInt,
  envOptional,
  LIMITS,
  LOG_LEVELS,
  type LogLevel,
  parseEnv,
} from '@lamina/core';

import { z } from 'zod';

import {
  DECODE_QUEUE_PER_WORKER,
  type DecodePoolOptions,
  defaultDecodeWorkers,
} from './code/decode-pool.js';
import type { RequestLimits } from './http/request-limits.js';
import { type S3Config, s3ConfigOf } from './s3-config.js';

const optional = envOptional;
const int = envInt;

const schema = z.object({
  LAMINA_PORT: optional(int(0, 65_535).default(9000)),
  LAMINA_HOST: optional(z.string().default('127.0.0.1')),
  REDIS_URL: optional(
    z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
      .optional(),
  ),
  LAMINA_REGION: optional(
    z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must look like us-east-1')
      .default('us-east-1'),
  ),
  LAMINA_ACCOUNT_ID: optional(
    z
      .string()
      .regex(/^\d{12}$/, 'must be 12 digits')
      .default('000000000000'),
  ),
  LAMINA_ACCOUNT_CONCURRENCY: optional(int(1).default(LIMITS.defaultAccountConcurrency)),
  LAMINA_MIN_UNRESERVED_CONCURRENCY: optional(int(0).default(LIMITS.minimumUnreservedConcurrency)),
  LAMINA_STATE_DIR: optional(z.string().default('.lamina')),
  LAMINA_FUNCTIONS_DIR: optional(z.string().default('functions')),
  LAMINA_LOG_LEVEL: optional(z.enum(LOG_LEVELS).default('info')),
  /** Added to a function's timeout for the lifetime of its admission lease. */
  LAMINA_LEASE_GRACE_MS: optional(int(0).default(15_000)),
  /** SIGTERM: how long readiness fails before the server closes. */
  LAMINA_DRAIN_DELAY_MS: optional(int(0).default(0)),
  LAMINA_SHUTDOWN_TIMEOUT_MS: optional(int(0).default(25_000)),
  /** Unreferenced code is reclaimed once unreferenced and untouched this long. */
  LAMINA_CODE_GC_GRACE_MS: optional(int(0).default(600_000)),
  LAMINA_CODE_GC_INTERVAL_MS: optional(int(1000).default(3_600_000)),
  /** Local mode: a create or update stays Pending/InProgress at least this long (tests; ADR 0033). */
  LAMINA_STATE_SETTLE_MS: optional(int(0, 600_000).default(0)),
  /** How long a client may take to send a request's headers (request-limits.ts). */
  LAMINA_HEADERS_TIMEOUT_MS: optional(int(100, 600_000).default(20_000)),
  /** How long a client may take to send a whole request, body included (a 50 MB zip too). */
  LAMINA_REQUEST_TIMEOUT_MS: optional(int(100, 3_600_000).default(120_000)),
  /** Set: the code route needs a per-code token (routes/code-access.ts); shared with the operator. */
  LAMINA_CODE_TOKEN_SECRET: optional(z.string().min(16).optional()),
  /** Set: every API call must be signed with one of this JSON file's keys (auth/keys-file.ts). */
  LAMINA_AUTH_KEYS_FILE: optional(z.string().optional()),
  /** Set: the audit log is appended to this file as well as written to stdout. */
  LAMINA_AUDIT_LOG_FILE: optional(z.string().optional()),
  /** Both set: the gateway serves HTTPS with this PEM certificate (chain) and key. */
  LAMINA_TLS_CERT_FILE: optional(z.string().optional()),
  LAMINA_TLS_KEY_FILE: optional(z.string().optional()),
  /** With TLS: a second, plain-HTTP port for the platform's in-cluster callers (chart). */
  LAMINA_INTERNAL_PORT: optional(int(1, 65_535).optional()),
  /** Code workers (big upload decodes, unzips) running at once; default: cores − 1, at least 1. */
  LAMINA_DECODE_WORKERS: optional(int(1, 256).optional()),
  /** Code jobs waiting for a worker; beyond: 429 TooManyRequestsException. Default 8 per worker. */
  LAMINA_DECODE_QUEUE: optional(int(0, 10_000).optional()),
  /** An account's stored code (functions, versions, layers) may not exceed this; AWS: 75 GB. */
  LAMINA_CODE_STORAGE_LIMIT_BYTES: optional(int(1).default(LIMITS.codeStorageBytes)),
  /** Set: Code.S3Bucket/S3Key zips are read from this S3-compatible endpoint (s3-config.ts). */
  LAMINA_S3_ENDPOINT: optional(
    z
      .string()
      .regex(/^https?:\/\/[^/?#\s]+\/?$/, 'must be http(s)://host[:port], no path')
      .optional(),
  ),
  /** The region S3 requests are signed for; default LAMINA_REGION. */
  LAMINA_S3_REGION: optional(z.string().min(1).optional()),
  /** `endpoint/bucket/key` (true, default: what S3-compatible stores serve) or `bucket.endpoint/key`. */
  LAMINA_S3_FORCE_PATH_STYLE: optional(z.enum(['true', 'false']).default('true')),
  /** Both set: requests are signed (SigV4); neither: anonymous. */
  LAMINA_S3_ACCESS_KEY_ID: optional(z.string().min(1).optional()),
  LAMINA_S3_SECRET_ACCESS_KEY: optional(z.string().min(1).optional()),
  LAMINA_S3_SESSION_TOKEN: optional(z.string().min(1).optional()),
});

export type { LogLevel };

export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  /** Absent: local mode starts a private redis-server. */
  readonly redisUrl: string | undefined;
  readonly region: string;
  readonly accountId: string;
  readonly accountConcurrency: number;
  /** Never above accountConcurrency. */
  readonly minUnreservedConcurrency: number;
  /** Absolute. */
  readonly stateDir: string;
  /** Absolute. */
  readonly functionsDir: string;
  readonly logLevel: LogLevel;
  readonly leaseGraceMs: number;
  readonly drainDelayMs: number;
  readonly shutdownTimeoutMs: number;
  /** Code no function or version references is removed after this long (CodeCollector). */
  readonly codeGcGraceMs: number;
  readonly codeGcIntervalMs: number;
  /** Local mode: the least time a create or an update stays Pending/InProgress (default 0). */
  readonly stateSettleMs: number;
  /** Bounds on receiving a request; headersTimeoutMs never above requestTimeoutMs. */
  readonly requestLimits: RequestLimits;
  /** Absent: the code route is open (local mode). */
  readonly codeTokenSecret?: string;
  /** Absolute; absent: no keys file (local mode is then open, and binds to loopback only). */
  readonly authKeysFile?: string;
  /** Absolute; absent: the audit log goes to stdout only. */
  readonly auditLogFile?: string;
  /** Absolute paths; absent: plain HTTP. */
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    /** Also serve plain HTTP here (the chart's in-cluster port for dispatcher, poller, pods). */
    readonly internalPort?: number;
  };
  /** CodeStorageExceededException past this many stored bytes. */
  readonly codeStorageLimitBytes: number;
  /** Code workers at once and jobs waiting for one (code/decode-pool.ts). */
  readonly decodePool: DecodePoolOptions;
  /** Absent: code from S3 is refused with a clear 400. */
  readonly s3?: S3Config;
}

export { ConfigError };

/** Reads the gateway's configuration from an environment (a value, not process.env itself). */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): GatewayConfig {
  const e = parseEnv(schema, env);
  if ((e.LAMINA_TLS_CERT_FILE === undefined) !== (e.LAMINA_TLS_KEY_FILE === undefined))
    throw new ConfigError([
      'LAMINA_TLS_CERT_FILE and LAMINA_TLS_KEY_FILE: set both (HTTPS) or neither (HTTP)',
    ]);
  return Object.freeze({
    port: e.LAMINA_PORT,
    host: e.LAMINA_HOST,
    redisUrl: e.REDIS_URL,
    region: e.LAMINA_REGION,
    accountId: e.LAMINA_ACCOUNT_ID,
    accountConcurrency: e.LAMINA_ACCOUNT_CONCURRENCY,
    minUnreservedConcurrency: Math.min(
      e.LAMINA_MIN_UNRESERVED_CONCURRENCY,
      e.LAMINA_ACCOUNT_CONCURRENCY,
    ),
    stateDir: resolve(e.LAMINA_STATE_DIR),
    functionsDir: resolve(e.LAMINA_FUNCTIONS_DIR),
    logLevel: e.LAMINA_LOG_LEVEL,
    leaseGraceMs: e.LAMINA_LEASE_GRACE_MS,
    drainDelayMs: e.LAMINA_DRAIN_DELAY_MS,
    shutdownTimeoutMs: e.LAMINA_SHUTDOWN_TIMEOUT_MS,
    codeGcGraceMs: e.LAMINA_CODE_GC_GRACE_MS,
    codeGcIntervalMs: e.LAMINA_CODE_GC_INTERVAL_MS,
    stateSettleMs: e.LAMINA_STATE_SETTLE_MS,
    requestLimits: Object.freeze({
      headersTimeoutMs: Math.min(e.LAMINA_HEADERS_TIMEOUT_MS, e.LAMINA_REQUEST_TIMEOUT_MS),
      requestTimeoutMs: e.LAMINA_REQUEST_TIMEOUT_MS,
    }),
    ...(e.LAMINA_CODE_TOKEN_SECRET === undefined
      ? {}
      : { codeTokenSecret: e.LAMINA_CODE_TOKEN_SECRET }),
    ...(e.LAMINA_AUTH_KEYS_FILE === undefined
      ? {}
      : { authKeysFile: resolve(e.LAMINA_AUTH_KEYS_FILE) }),
    ...(e.LAMINA_AUDIT_LOG_FILE === undefined
      ? {}
      : { auditLogFile: resolve(e.LAMINA_AUDIT_LOG_FILE) }),
    ...(e.LAMINA_TLS_CERT_FILE === undefined || e.LAMINA_TLS_KEY_FILE === undefined
      ? {}
      : {
          tls: Object.freeze({
            certFile: resolve(e.LAMINA_TLS_CERT_FILE),
            keyFile: resolve(e.LAMINA_TLS_KEY_FILE),
            ...(e.LAMINA_INTERNAL_PORT === undefined
              ? {}
              : { internalPort: e.LAMINA_INTERNAL_PORT }),
          }),
        }),
    codeStorageLimitBytes: e.LAMINA_CODE_STORAGE_LIMIT_BYTES,
    decodePool: decodePoolOf(e.LAMINA_DECODE_WORKERS, e.LAMINA_DECODE_QUEUE),
    ...s3ConfigOf(e),
  });
}

function decodePoolOf(workers: number | undefined, queue: number | undefined): DecodePoolOptions {
  const size = workers ?? defaultDecodeWorkers();
  return Object.freeze({ size, queue: queue ?? size * DECODE_QUEUE_PER_WORKER });
}

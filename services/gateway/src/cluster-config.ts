import { join, resolve } from 'node:path';

import { envInt, envOptional } from '@lamina/core';
import { z } from 'zod';

import { ConfigError, type GatewayConfig, loadConfig } from './config.js';

const optional = envOptional;
const int = envInt;

/** Kubernetes namespace names (RFC 1123 labels). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const schema = z.object({
  LAMINA_MODE: optional(z.enum(['cluster']).default('cluster')),
  REDIS_URL: z
    .string({ error: 'is required in cluster mode (admission and async invocation)' })
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL'),
  LAMINA_NAMESPACE: optional(
    z.string().regex(NAMESPACE, 'must be a Kubernetes namespace name').optional(),
  ),
  LAMINA_CODE_DIR: optional(z.string().optional()),
  LAMINA_REDIS_PREFIX: optional(
    z
      .string()
      .regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'must be 1-64 of [a-zA-Z0-9_.-]')
      .default('lamina'),
  ),
  /** The worker agent's port on each worker pod (the operator's LAMINA_WORKER_PORT). */
  LAMINA_WORKER_PORT: optional(int(1, 65_535).default(8080)),
  /** How long an invocation waits for a first ready worker pod of its version (cold start). */
  LAMINA_COLD_START_WAIT_MS: optional(int(0, 600_000).default(30_000)),
  /** How long an invocation waits for a worker pod to free up when all are busy. */
  LAMINA_BUSY_WAIT_MS: optional(int(0, 600_000).default(5_000)),
  /** Give up connecting to a worker pod after this long (the pod is skipped, another tried). */
  LAMINA_WORKER_CONNECT_TIMEOUT_MS: optional(int(50, 60_000).default(2_000)),
  /** Cold calls claim pre-warmed generic pods when the operator runs them (ADR 0019). */
  LAMINA_WARM_POOL: optional(z.enum(['true', 'false']).default('true')),
  /** Function URLs answer on `<url-id>.lambda-url.<region>.<this domain>` (host-based routing). */
  LAMINA_FUNCTION_URL_DOMAIN: optional(
    z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a DNS domain')
      .default('lamina.localhost'),
  ),
  /** The scheme of returned function URLs (https behind a TLS-terminating Ingress). */
  LAMINA_FUNCTION_URL_SCHEME: optional(z.enum(['http', 'https']).default('http')),
  /** A port to put in returned function URLs (when clients do not reach them on 80/443). */
  LAMINA_FUNCTION_URL_PORT: optional(int(1, 65_535).optional()),
  /** `secrets`: every call must be signed with a key of a labelled Secret (the chart's default). */
  LAMINA_AUTH: optional(z.enum(['open', 'secrets']).default('open')),
});

export interface ClusterConfig extends GatewayConfig {
  readonly mode: 'cluster';
  readonly redisUrl: string;
  /** Where Function, FunctionVersion and Alias resources live; absent: the pod's namespace. */
  readonly namespace: string | undefined;
  /** The content-addressed code store (a PVC shared with the worker pods). Absolute. */
  readonly codeDir: string;
  readonly redisPrefix: string;
  /** How invocations reach worker pods (ClusterPool). */
  readonly workers: {
    readonly port: number;
    readonly coldStartWaitMs: number;
    readonly busyWaitMs: number;
    readonly connectTimeoutMs: number;
    /** Claim pre-warmed generic pods for cold calls (ADR 0019). */
    readonly warmPool: boolean;
  };
  /** Where access keys come from: none (open) or the labelled Secrets of the namespace. */
  readonly auth: 'open' | 'secrets';
  /** Host-based routing of function URLs. */
  readonly functionUrls: {
    readonly domain: string;
    readonly scheme: 'http' | 'https';
    readonly port?: number;
  };
}

/** The gateway's configuration in cluster mode: loadConfig plus what the cluster needs. */
export function loadClusterConfig(
  env: Readonly<Record<string, string | undefined>>,
): ClusterConfig {
  const issues: string[] = [];
  let base: GatewayConfig | undefined;
  try {
    base = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    issues.push(...parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`));
  }
  if (base === undefined || !parsed.success) throw new ConfigError(issues);
  const e = parsed.data;
  return Object.freeze({
    ...base,
    mode: e.LAMINA_MODE,
    redisUrl: e.REDIS_URL,
    namespace: e.LAMINA_NAMESPACE,
    auth: e.LAMINA_AUTH,
    codeDir: resolve(e.LAMINA_CODE_DIR ?? join(base.stateDir, 'code')),
    redisPrefix: e.LAMINA_REDIS_PREFIX,
    workers: Object.freeze({
      port: e.LAMINA_WORKER_PORT,
      coldStartWaitMs: e.LAMINA_COLD_START_WAIT_MS,
      busyWaitMs: e.LAMINA_BUSY_WAIT_MS,
      connectTimeoutMs: e.LAMINA_WORKER_CONNECT_TIMEOUT_MS,
      warmPool: e.LAMINA_WARM_POOL === 'true',
    }),
    functionUrls: Object.freeze({
      domain: e.LAMINA_FUNCTION_URL_DOMAIN,
      scheme: e.LAMINA_FUNCTION_URL_SCHEME,
      ...(e.LAMINA_FUNCTION_URL_PORT === undefined ? {} : { port: e.LAMINA_FUNCTION_URL_PORT }),
    }),
  });
}

import { join, resolve } from 'node:path';

import { envOptional } from '@lamina/core';
import { z } from 'zod';

import { ConfigError, type GatewayConfig, loadConfig } from './config.js';

const optional = envOptional;

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
});

export interface ClusterConfig extends GatewayConfig {
  readonly mode: 'cluster';
  readonly redisUrl: string;
  /** Where Function, FunctionVersion and Alias resources live; absent: the pod's namespace. */
  readonly namespace: string | undefined;
  /** The content-addressed code store (a PVC shared with the worker pods). Absolute. */
  readonly codeDir: string;
  readonly redisPrefix: string;
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
    codeDir: resolve(e.LAMINA_CODE_DIR ?? join(base.stateDir, 'code')),
    redisPrefix: e.LAMINA_REDIS_PREFIX,
  });
}

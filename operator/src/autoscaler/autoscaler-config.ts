/**
 * The autoscaler's settings (ADR 0017), as a piece of the operator's one config schema: the
 * variables' shape to spread into it and the typed result. Off by default: until the gateways
 * report demand, the reconcilers' fixed replicas stay in charge. Invariant: enabled implies a
 * Redis URL (checked by `loadConfig`, which owns the error path).
 */
import { LIMITS } from '@lamina/core';
import { z } from 'zod';

import { DEFAULT_SCALING, type ScalingSettings } from './decide.js';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

export const autoscalerEnvShape = {
  /** Where the demand reports are; the worker pods' LAMINA_REDIS_URL, else REDIS_URL. */
  REDIS_URL: z.string().optional(),
  LAMINA_REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'must be 1-64 of [a-zA-Z0-9_.-]')
    .default('lamina'),
  LAMINA_AUTOSCALER: flag,
  LAMINA_AUTOSCALER_TICK_MS: int(100, 60_000, 2000),
  /** No demand for this long and a version goes to zero (per function: an annotation). */
  LAMINA_SCALE_TO_ZERO_SECONDS: int(0, 86_400, 600),
  LAMINA_AUTOSCALER_STABLE_WINDOW_SECONDS: int(6, 3600, DEFAULT_SCALING.stableWindowMs / 1000),
  LAMINA_AUTOSCALER_PANIC_WINDOW_SECONDS: int(1, 600, DEFAULT_SCALING.panicWindowMs / 1000),
  LAMINA_AUTOSCALER_PANIC_THRESHOLD: z.coerce
    .number()
    .min(1)
    .max(100)
    .default(DEFAULT_SCALING.panicThreshold),
  LAMINA_SCALE_UP_LIMIT: int(1, 100_000, DEFAULT_SCALING.scaleUpLimit),
  LAMINA_SCALE_UP_PERIOD_SECONDS: int(1, 3600, DEFAULT_SCALING.scaleUpPeriodMs / 1000),
  LAMINA_ACCOUNT_CONCURRENCY: int(1, 1_000_000, LIMITS.defaultAccountConcurrency),
};

type AutoscalerEnv = z.infer<z.ZodObject<typeof autoscalerEnvShape>> & {
  readonly LAMINA_REDIS_URL?: string | undefined;
};

export interface AutoscalerConfig {
  readonly enabled: boolean;
  /** The operator's own Redis connection; undefined: no demand is read. */
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly tickMs: number;
  /** The default idle window; a Function's `lamina.dev/idle-window-seconds` overrides it. */
  readonly idleWindowMs: number;
  readonly accountConcurrency: number;
  readonly scaling: ScalingSettings;
}

export function autoscalerConfigOf(e: AutoscalerEnv): AutoscalerConfig {
  return Object.freeze({
    enabled: e.LAMINA_AUTOSCALER,
    redisUrl: e.LAMINA_REDIS_URL ?? e.REDIS_URL,
    redisPrefix: e.LAMINA_REDIS_PREFIX,
    tickMs: e.LAMINA_AUTOSCALER_TICK_MS,
    idleWindowMs: e.LAMINA_SCALE_TO_ZERO_SECONDS * 1000,
    accountConcurrency: e.LAMINA_ACCOUNT_CONCURRENCY,
    scaling: Object.freeze({
      stableWindowMs: e.LAMINA_AUTOSCALER_STABLE_WINDOW_SECONDS * 1000,
      panicWindowMs: e.LAMINA_AUTOSCALER_PANIC_WINDOW_SECONDS * 1000,
      panicThreshold: e.LAMINA_AUTOSCALER_PANIC_THRESHOLD,
      scaleUpLimit: e.LAMINA_SCALE_UP_LIMIT,
      scaleUpPeriodMs: e.LAMINA_SCALE_UP_PERIOD_SECONDS * 1000,
    }),
  });
}

/** What is wrong with a parsed autoscaler config, one sentence per issue. */
export function autoscalerIssues(c: AutoscalerConfig): string[] {
  const issues: string[] = [];
  if (c.enabled && c.redisUrl === undefined) {
    issues.push('LAMINA_AUTOSCALER: needs LAMINA_REDIS_URL or REDIS_URL to read demand');
  }
  if (c.scaling.panicWindowMs >= c.scaling.stableWindowMs) {
    issues.push('LAMINA_AUTOSCALER_PANIC_WINDOW_SECONDS must be below the stable window');
  }
  return issues;
}

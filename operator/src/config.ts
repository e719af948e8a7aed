import { hostname } from 'node:os';

import { z } from 'zod';

import {
  type AutoscalerConfig,
  autoscalerConfigOf,
  autoscalerEnvShape,
  autoscalerIssues,
} from './autoscaler/autoscaler-config.js';
import type { CpuRequest } from './builders/resources.js';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const imageTag = z
  .string()
  .min(1)
  .refine((t) => t !== 'latest', 'worker images are pinned: a tag other than latest');

const schema = z.object({
  /** Namespace to watch; empty watches every namespace. */
  LAMINA_WATCH_NAMESPACE: z.string().default(''),
  /** Where the leader-election Lease lives (the operator's own namespace). */
  LAMINA_LEASE_NAMESPACE: z.string().min(1).default('lamina-system'),
  LAMINA_LEASE_NAME: z.string().min(1).default('lamina-operator'),
  /** Holder identity; the pod name in a cluster. */
  LAMINA_OPERATOR_IDENTITY: z.string().min(1).optional(),
  LAMINA_LEASE_DURATION_SECONDS: int(2, 300, 15),
  LAMINA_LEASE_RENEW_DEADLINE_SECONDS: int(1, 300, 10),
  LAMINA_LEASE_RETRY_PERIOD_SECONDS: int(1, 60, 2),
  /** Kubeconfig file; unset = in-cluster service account, then ~/.kube/config. */
  KUBECONFIG: z.string().optional(),
  LAMINA_WORKER_IMAGE_PREFIX: z.string().min(1).default('lamina/worker'),
  LAMINA_WORKER_IMAGE_TAG: imageTag.default('0.1.0'),
  /** Per-runtime overrides, JSON: {"nodejs22.x":"registry/worker-nodejs22:0.1.0"}. */
  LAMINA_WORKER_IMAGES: z.string().default('{}'),
  /**
   * The agent beside a container-image function (ADR 0028); default the nodejs22.x worker image
   * (every worker image carries the agent).
   */
  LAMINA_WORKER_AGENT_IMAGE: z.string().min(1).optional(),
  /** Worker pods' ServiceAccount (no RBAC; its token is never mounted); unset: `default`. */
  LAMINA_WORKER_SERVICE_ACCOUNT: z.string().min(1).optional(),
  LAMINA_WORKER_IMAGE_PULL_POLICY: z
    .enum(['Always', 'IfNotPresent', 'Never'])
    .default('IfNotPresent'),
  /**
   * Execution environments per function version without provisioned concurrency: fixed without
   * the autoscaler (default 1), its floor at creation with it (default 0: scale from zero).
   */
  LAMINA_WORKER_MIN_REPLICAS: z.coerce.number().int().min(0).max(100).optional(),
  /** Memory the worker agent itself needs beside the function's MemorySize. */
  LAMINA_WORKER_MEMORY_OVERHEAD_MB: int(0, 4096, 64),
  /** Worker pods' CPU request: millicores (`50m`, at most the limit) or `limit` (ADR 0032). */
  LAMINA_WORKER_CPU_REQUEST: z
    .string()
    .regex(/^(limit|[1-9]\d{0,5}m)$/, 'millicores such as 50m, or limit')
    .default('50m'),
  /** PersistentVolumeClaim of the code store, mounted read-only in workers (optional). */
  LAMINA_CODE_STORE_CLAIM: z.string().optional(),
  /** How worker pods get code: `http` from the gateway's code route, `pvc` the mounted store. */
  LAMINA_WORKER_CODE_DELIVERY: z.enum(['http', 'pvc']).default('pvc'),
  /** Base URL of the code route (the gateway Service), for `http` delivery. */
  LAMINA_WORKER_CODE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Shared with the gateway: each pod gets HMAC(secret, its code's hex) as its code token. */
  LAMINA_CODE_TOKEN_SECRET: z.string().min(16).optional(),
  /** Execution role ARN → Secret with its credentials, JSON (issue #17 item 3). */
  LAMINA_ROLE_CREDENTIALS: z.string().default('{}'),
  LAMINA_REDIS_URL: z.string().optional(),
  // LAMINA_REDIS_PREFIX (shared with the gateway and the pollers) comes with autoscalerEnvShape.
  /** How often EventSourceMapping status is copied from the pollers' reports. */
  LAMINA_MAPPING_SYNC_INTERVAL_MS: int(100, 300_000, 5000),
  LAMINA_REGION: z.string().min(1).default('us-east-1'),
  /** The account in schedule ARNs (the Schedule mirror), as the gateway and dispatcher have it. */
  LAMINA_ACCOUNT_ID: z
    .string()
    .regex(/^\d{12}$/)
    .default('000000000000'),
  LAMINA_RECONCILE_CONCURRENCY: int(1, 64, 4),
  LAMINA_HTTP_PORT: int(0, 65_535, 8081),
  LAMINA_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  LAMINA_SHUTDOWN_TIMEOUT_SECONDS: int(1, 600, 20),
  ...autoscalerEnvShape,
  /** Pre-warmed generic pods per runtime (ADR 0019); 0 turns the pool off. Needs `http` code delivery. */
  LAMINA_WARM_POOL_SIZE: int(0, 50, 1),
  /** Runtimes that always get a pool (comma-separated), besides those of the functions there. */
  LAMINA_WARM_POOL_RUNTIMES: z.string().default(''),
  /** Memory of a generic pod: functions with up to this MemorySize can be specialised into one. */
  LAMINA_WARM_POOL_MEMORY_MB: int(128, 10_240, 512),
  /** A specialised pod with no call for this long expires and is removed. */
  LAMINA_WARM_POOL_IDLE_SECONDS: int(1, 86_400, 120),
});

export interface OperatorConfig {
  readonly watchNamespace: string | undefined;
  readonly lease: {
    readonly namespace: string;
    readonly name: string;
    readonly identity: string;
    readonly durationSeconds: number;
    readonly renewDeadlineSeconds: number;
    readonly retryPeriodSeconds: number;
  };
  readonly kubeconfig: string | undefined;
  readonly worker: WorkerConfig;
  readonly reconcileConcurrency: number;
  /** The EventSourceMapping mirror into the pollers' Redis store; off without a Redis URL. */
  readonly mappings: MappingMirrorConfig | undefined;
  readonly httpPort: number;
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
  readonly autoscaler: AutoscalerConfig;
  readonly warmPool: WarmPoolConfig;
}

/** Pre-warmed generic worker pods (ADR 0019). */
export interface WarmPoolConfig {
  /** Generic pods per runtime and namespace; 0 = off (also off without `http` code delivery). */
  readonly size: number;
  /** Runtimes with a pool in every namespace that has functions, used there or not. */
  readonly runtimes: readonly string[];
  readonly memoryMb: number;
  readonly idleSeconds: number;
}

export interface MappingMirrorConfig {
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly syncIntervalMs: number;
  /** ARNs of mirrored Schedules. */
  readonly region: string;
  readonly accountId: string;
}

/** What the pure builders need to know about worker pods. */
export interface WorkerConfig {
  readonly imagePrefix: string;
  readonly imageTag: string;
  readonly images: Readonly<Record<string, string>>;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Worker pods' ServiceAccount; absent: the namespace's `default` (no token either way). */
  readonly serviceAccount?: string;
  /** The agent's image in a container-image function's pod (ADR 0028); absent: the default. */
  readonly agentImage?: string;
  readonly minReplicas: number;
  /**
   * The autoscaler owns `spec.replicas` (ADR 0017): the reconcilers set it only when they create
   * a Deployment and never change it afterwards.
   */
  readonly autoscaled: boolean;
  readonly memoryOverheadMb: number;
  /** CPU request of a worker pod; the limit follows MemorySize (builders/resources.ts). */
  readonly cpuRequest: CpuRequest;
  readonly codeStoreClaim: string | undefined;
  /** `http`: pods fetch their code into their own volume; `pvc`: they mount the store. */
  readonly codeDelivery: 'http' | 'pvc';
  readonly codeUrl: string | undefined;
  readonly codeTokenSecret: string | undefined;
  /**
   * Execution role ARN → name of a Secret in the function's namespace with keys
   * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN.
   */
  readonly roleCredentials: Readonly<Record<string, string>>;
  readonly redisUrl: string | undefined;
  readonly region: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid operator configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function parseImages(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(['LAMINA_WORKER_IMAGES: not JSON']);
  }
  const r = z.record(z.string(), z.string().regex(/:[^:/]+$/)).safeParse(parsed);
  if (!r.success) throw new ConfigError(['LAMINA_WORKER_IMAGES: a map of runtime → image:tag']);
  if (Object.values(r.data).some((i) => i.endsWith(':latest'))) {
    throw new ConfigError(['LAMINA_WORKER_IMAGES: pin a tag other than latest']);
  }
  return r.data;
}

function parseRoleCredentials(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(['LAMINA_ROLE_CREDENTIALS: not JSON']);
  }
  const r = z
    .record(z.string().min(1), z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/))
    .safeParse(parsed);
  if (!r.success) {
    throw new ConfigError(['LAMINA_ROLE_CREDENTIALS: a map of role ARN → Secret name']);
  }
  return r.data;
}

/** Reads the operator's configuration from an environment map; throws ConfigError listing every issue. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): OperatorConfig {
  const r = schema.safeParse(env);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = r.data;
  if (c.LAMINA_LEASE_RENEW_DEADLINE_SECONDS >= c.LAMINA_LEASE_DURATION_SECONDS) {
    throw new ConfigError(['LAMINA_LEASE_RENEW_DEADLINE_SECONDS must be below the lease duration']);
  }
  if (c.LAMINA_WORKER_CODE_DELIVERY === 'http' && c.LAMINA_WORKER_CODE_URL === undefined) {
    throw new ConfigError([
      'LAMINA_WORKER_CODE_URL: required when LAMINA_WORKER_CODE_DELIVERY=http',
    ]);
  }
  const autoscaler = autoscalerConfigOf(c);
  if (autoscalerIssues(autoscaler).length > 0) throw new ConfigError(autoscalerIssues(autoscaler));
  return Object.freeze({
    watchNamespace: c.LAMINA_WATCH_NAMESPACE === '' ? undefined : c.LAMINA_WATCH_NAMESPACE,
    lease: Object.freeze({
      namespace: c.LAMINA_LEASE_NAMESPACE,
      name: c.LAMINA_LEASE_NAME,
      identity: c.LAMINA_OPERATOR_IDENTITY ?? `${hostname()}-${process.pid}`,
      durationSeconds: c.LAMINA_LEASE_DURATION_SECONDS,
      renewDeadlineSeconds: c.LAMINA_LEASE_RENEW_DEADLINE_SECONDS,
      retryPeriodSeconds: c.LAMINA_LEASE_RETRY_PERIOD_SECONDS,
    }),
    kubeconfig: c.KUBECONFIG,
    worker: Object.freeze({
      imagePrefix: c.LAMINA_WORKER_IMAGE_PREFIX,
      imageTag: c.LAMINA_WORKER_IMAGE_TAG,
      images: Object.freeze(parseImages(c.LAMINA_WORKER_IMAGES)),
      imagePullPolicy: c.LAMINA_WORKER_IMAGE_PULL_POLICY,
      ...(c.LAMINA_WORKER_SERVICE_ACCOUNT === undefined
        ? {}
        : { serviceAccount: c.LAMINA_WORKER_SERVICE_ACCOUNT }),
      ...(c.LAMINA_WORKER_AGENT_IMAGE === undefined
        ? {}
        : { agentImage: c.LAMINA_WORKER_AGENT_IMAGE }),
      minReplicas: c.LAMINA_WORKER_MIN_REPLICAS ?? (autoscaler.enabled ? 0 : 1),
      autoscaled: autoscaler.enabled,
      memoryOverheadMb: c.LAMINA_WORKER_MEMORY_OVERHEAD_MB,
      cpuRequest:
        c.LAMINA_WORKER_CPU_REQUEST === 'limit'
          ? 'limit'
          : { millicpu: Number(c.LAMINA_WORKER_CPU_REQUEST.slice(0, -1)) },
      codeStoreClaim: c.LAMINA_CODE_STORE_CLAIM,
      codeDelivery: c.LAMINA_WORKER_CODE_DELIVERY,
      codeUrl: c.LAMINA_WORKER_CODE_URL,
      codeTokenSecret: c.LAMINA_CODE_TOKEN_SECRET,
      roleCredentials: Object.freeze(parseRoleCredentials(c.LAMINA_ROLE_CREDENTIALS)),
      redisUrl: c.LAMINA_REDIS_URL,
      region: c.LAMINA_REGION,
    }),
    reconcileConcurrency: c.LAMINA_RECONCILE_CONCURRENCY,
    mappings:
      c.LAMINA_REDIS_URL === undefined || c.LAMINA_REDIS_URL === ''
        ? undefined
        : Object.freeze({
            redisUrl: c.LAMINA_REDIS_URL,
            redisPrefix: c.LAMINA_REDIS_PREFIX,
            syncIntervalMs: c.LAMINA_MAPPING_SYNC_INTERVAL_MS,
            region: c.LAMINA_REGION,
            accountId: c.LAMINA_ACCOUNT_ID,
          }),
    httpPort: c.LAMINA_HTTP_PORT,
    logLevel: c.LAMINA_LOG_LEVEL,
    shutdownTimeoutMs: c.LAMINA_SHUTDOWN_TIMEOUT_SECONDS * 1000,
    autoscaler,
    warmPool: Object.freeze({
      size: c.LAMINA_WORKER_CODE_DELIVERY === 'http' ? c.LAMINA_WARM_POOL_SIZE : 0,
      runtimes: Object.freeze(
        c.LAMINA_WARM_POOL_RUNTIMES.split(',')
          .map((r) => r.trim())
          .filter((r) => r !== ''),
      ),
      memoryMb: c.LAMINA_WARM_POOL_MEMORY_MB,
      idleSeconds: c.LAMINA_WARM_POOL_IDLE_SECONDS,
    }),
  });
}

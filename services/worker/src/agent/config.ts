import { envInt, envOptional, LIMITS, LOG_LEVELS, type LogLevel, parseEnv } from '@lamina/core';
import { z } from 'zod';

export { ConfigError } from '@lamina/core';

const optional = envOptional;
const int = envInt;

/** The worker pod contract (ADR 0007), as the operator's deployment builder writes it. */
const schema = z.object({
  LAMINA_FUNCTION_NAME: z.string().min(1),
  LAMINA_FUNCTION_NAMESPACE: optional(z.string().default('default')),
  LAMINA_FUNCTION_VERSION: optional(z.string().default('$LATEST')),
  LAMINA_RUNTIME: z.string().min(1),
  LAMINA_HANDLER: z.string().min(1).max(LIMITS.handlerMaxLength),
  LAMINA_MEMORY_SIZE_MB: optional(
    int(LIMITS.memoryMinMb, LIMITS.memoryMaxMb).default(LIMITS.defaultMemoryMb),
  ),
  LAMINA_TIMEOUT_SECONDS: optional(
    int(LIMITS.timeoutMinSeconds, LIMITS.timeoutMaxSeconds).default(LIMITS.defaultTimeoutSeconds),
  ),
  LAMINA_EPHEMERAL_STORAGE_MB: optional(
    int(LIMITS.ephemeralStorageMinMb, LIMITS.ephemeralStorageMaxMb).default(
      LIMITS.ephemeralStorageMinMb,
    ),
  ),
  // Absent or malformed code is not a config error: the agent stays unready and says why.
  LAMINA_CODE_SHA256: optional(z.string().optional()),
  LAMINA_CODE_DIR: optional(z.string().optional()),
  // Code delivery over HTTP (issue #15): set, the code is fetched instead of read from a store.
  LAMINA_CODE_URL: optional(z.url({ protocol: /^https?$/ }).optional()),
  LAMINA_CODE_TOKEN: optional(z.string().optional()),
  LAMINA_CODE_CACHE_DIR: optional(z.string().default('/var/lamina/code-cache')),
  LAMINA_ENVIRONMENT_DIR: optional(z.string().optional()),
  LAMINA_REGION: optional(z.string().default('us-east-1')),
  LAMINA_ACCOUNT_ID: optional(
    z
      .string()
      .regex(/^\d{12}$/, 'must be 12 digits')
      .default('000000000000'),
  ),
  // Part of the contract; the agent has no use for Redis yet.
  LAMINA_REDIS_URL: optional(z.string().optional()),
  LAMINA_WORKER_PORT: optional(int(0, 65_535).default(8080)),
  LAMINA_WORKER_HOST: optional(z.string().default('0.0.0.0')),
  LAMINA_BOOTSTRAP: optional(z.string().default('/var/runtime/bootstrap')),
  LAMINA_DRAIN_LINGER_MS: optional(int(0, 60_000).default(2000)),
  LAMINA_INIT_TIMEOUT_MS: optional(int(1).default(LIMITS.initTimeoutSeconds * 1000)),
  LAMINA_INIT_AT_START: optional(z.enum(['true', 'false']).default('true')),
  LAMINA_LOG_LEVEL: optional(z.enum(LOG_LEVELS).default('info')),
});

export interface AgentConfig {
  readonly functionName: string;
  readonly namespace: string;
  /** `$LATEST` or a published version number; the only version this pod runs. */
  readonly version: string;
  readonly runtime: string;
  readonly handler: string;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  readonly ephemeralStorageMb: number;
  /** Hex SHA-256 of the code package; undefined when the pod has none (never ready). */
  readonly codeSha256Hex: string | undefined;
  /** Root of the code store: the code is unpacked at `<codeDir>/<hex>/`. */
  readonly codeStoreDir: string | undefined;
  /** Base URL of the code route (the gateway); set: code is fetched over HTTP, not mounted. */
  readonly codeUrl: string | undefined;
  /** The pod's per-code token for the code route (HMAC of the hex). */
  readonly codeToken: string | undefined;
  /** The pod's own writable folder the fetched code is unpacked into (`<dir>/<hex>`). */
  readonly codeCacheDir: string;
  /** One file per function variable (a projected Secret); undefined = no variables. */
  readonly environmentDir: string | undefined;
  readonly region: string;
  readonly accountId: string;
  readonly redisUrl: string | undefined;
  readonly port: number;
  readonly host: string;
  /** The runtime process (AWS base-image layout); `provided*` runtimes use the code's own. */
  readonly bootstrap: string;
  /** After SIGTERM, keep answering `draining` at least this long so callers move on cleanly. */
  readonly drainLingerMs: number;
  readonly initTimeoutMs: number;
  /** Start the runtime and run init when the code is in place, before the pod is ready. */
  readonly initAtStart: boolean;
  readonly logLevel: LogLevel;
}

/** Reads the agent's configuration from an environment (a value, not process.env). */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AgentConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    functionName: e.LAMINA_FUNCTION_NAME,
    namespace: e.LAMINA_FUNCTION_NAMESPACE,
    version: e.LAMINA_FUNCTION_VERSION,
    runtime: e.LAMINA_RUNTIME,
    handler: e.LAMINA_HANDLER,
    memorySizeMb: e.LAMINA_MEMORY_SIZE_MB,
    timeoutSeconds: e.LAMINA_TIMEOUT_SECONDS,
    ephemeralStorageMb: e.LAMINA_EPHEMERAL_STORAGE_MB,
    codeSha256Hex: e.LAMINA_CODE_SHA256,
    codeStoreDir: e.LAMINA_CODE_DIR,
    codeUrl: e.LAMINA_CODE_URL,
    codeToken: e.LAMINA_CODE_TOKEN,
    codeCacheDir: e.LAMINA_CODE_CACHE_DIR,
    environmentDir: e.LAMINA_ENVIRONMENT_DIR,
    region: e.LAMINA_REGION,
    accountId: e.LAMINA_ACCOUNT_ID,
    redisUrl: e.LAMINA_REDIS_URL,
    port: e.LAMINA_WORKER_PORT,
    host: e.LAMINA_WORKER_HOST,
    bootstrap: e.LAMINA_BOOTSTRAP,
    drainLingerMs: e.LAMINA_DRAIN_LINGER_MS,
    initTimeoutMs: e.LAMINA_INIT_TIMEOUT_MS,
    initAtStart: e.LAMINA_INIT_AT_START === 'true',
    logLevel: e.LAMINA_LOG_LEVEL,
  });
}

/** Variables of the agent's own environment that are the platform's, not the function's. */
const NOT_PASSED = /^(LAMINA_|KUBERNETES_|NODE_OPTIONS$|HOSTNAME$|HOME$)/;

/**
 * What the runtime inherits from the agent's environment: the image's own variables (PATH,
 * PYTHONPATH, NODE_PATH, JAVA_HOME …, as a Lambda base image's ENV reaches the function), minus
 * the pod's platform variables (LAMINA_*, KUBERNETES_*, HOSTNAME).
 */
export function runtimeBaseEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !NOT_PASSED.test(name)) out[name] = value;
  }
  return out;
}

import {
  envInt,
  envOptional,
  type FunctionLogging,
  LIMITS,
  LOG_LEVELS,
  loggingFromJson,
  type LogLevel,
  parseEnv,
} from '@lamina/core';
// The subpath, not the package: the agent bundle must not carry client-node.
import {
  WORKER_DEFAULT_PORT,
  WORKER_ENV as W,
  WORKER_GENERIC_ENV,
  WORKER_OPT_DIR,
} from '@lamina/kube/worker-pod-contract';
import { z } from 'zod';

export { ConfigError } from '@lamina/core';

const optional = envOptional;
const int = envInt;

/** The worker pod contract (ADR 0007; names from @lamina/kube), plus the agent's own knobs. */
const schema = z.object({
  [W.functionName]: z.string().min(1),
  [W.namespace]: optional(z.string().default('default')),
  [W.version]: optional(z.string().default('$LATEST')),
  [W.runtime]: z.string().min(1),
  [W.handler]: z.string().min(1).max(LIMITS.handlerMaxLength),
  [W.memorySizeMb]: optional(
    int(LIMITS.memoryMinMb, LIMITS.memoryMaxMb).default(LIMITS.defaultMemoryMb),
  ),
  [W.timeoutSeconds]: optional(
    int(LIMITS.timeoutMinSeconds, LIMITS.timeoutMaxSeconds).default(LIMITS.defaultTimeoutSeconds),
  ),
  LAMINA_EPHEMERAL_STORAGE_MB: optional(
    int(LIMITS.ephemeralStorageMinMb, LIMITS.ephemeralStorageMaxMb).default(
      LIMITS.ephemeralStorageMinMb,
    ),
  ),
  // Absent or malformed code is not a config error: the agent stays unready and says why.
  [W.codeSha256]: optional(z.string().optional()),
  [W.codeDir]: optional(z.string().optional()),
  // Code delivery over HTTP (issue #15): set, the code is fetched instead of read from a store.
  LAMINA_CODE_URL: optional(z.url({ protocol: /^https?$/ }).optional()),
  LAMINA_CODE_TOKEN: optional(z.string().optional()),
  LAMINA_CODE_CACHE_DIR: optional(z.string().default('/var/lamina/code-cache')),
  // Layers (ADR 0020): hex hashes and, for code over HTTP, their tokens, both comma-separated.
  [W.layers]: optional(
    z
      .string()
      .regex(/^[0-9a-f]{64}(,[0-9a-f]{64}){0,4}$/, 'must be up to 5 comma-separated hex SHA-256s')
      .optional(),
  ),
  LAMINA_LAYER_TOKENS: optional(z.string().optional()),
  LAMINA_OPT_DIR: optional(z.string().default(WORKER_OPT_DIR)),
  [W.taskDir]: optional(z.string().min(1).optional()),
  [W.taskView]: optional(z.string().min(1).optional()),
  [W.killStrays]: optional(z.enum(['true', 'false']).default('false')),
  [W.environmentDir]: optional(z.string().optional()),
  [W.sealedEnvironment]: optional(z.string().min(1).optional()),
  [W.sealedEnvironmentToken]: optional(z.string().optional()),
  [W.sealedEnvironmentUrl]: optional(z.url({ protocol: /^https?$/ }).optional()),
  [W.region]: optional(z.string().default('us-east-1')),
  LAMINA_ACCOUNT_ID: optional(
    z
      .string()
      .regex(/^\d{12}$/, 'must be 12 digits')
      .default('000000000000'),
  ),
  // Part of the contract; the agent has no use for Redis yet.
  [W.redisUrl]: optional(z.string().optional()),
  [W.port]: optional(int(0, 65_535).default(WORKER_DEFAULT_PORT)),
  [W.initializationType]: optional(
    z.enum(['on-demand', 'provisioned-concurrency']).default('on-demand'),
  ),
  LAMINA_WORKER_HOST: optional(z.string().default('0.0.0.0')),
  LAMINA_BOOTSTRAP: optional(z.string().default('/var/runtime/bootstrap')),
  // The image's parked start of its runtime (ADR 0019), for generic pods; unset: none.
  LAMINA_PARKED_BOOTSTRAP: optional(z.string().min(1).optional()),
  LAMINA_DRAIN_LINGER_MS: optional(int(0, 60_000).default(2000)),
  LAMINA_INIT_TIMEOUT_MS: optional(int(1).default(LIMITS.initTimeoutSeconds * 1000)),
  LAMINA_INIT_AT_START: optional(z.enum(['true', 'false']).default('true')),
  LAMINA_LOG_LEVEL: optional(z.enum(LOG_LEVELS).default('info')),
  [W.logging]: optional(
    z
      .string()
      .transform((text, ctx) => {
        try {
          return loggingFromJson(text);
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            message: err instanceof Error ? err.message : String(err),
          });
          return z.NEVER;
        }
      })
      .optional(),
  ),
  // A specialised generic pod with no call for this long turns unready for good (ADR 0019).
  LAMINA_SPECIALIZED_IDLE_SECONDS: optional(int(1, 86_400).default(120)),
});

/** An image function's pod (ADR 0028): the image brings its runtime and handler. */
const imageSchema = schema.extend({
  [W.runtime]: optional(z.string().default('')),
  [W.handler]: optional(z.string().default('')),
  [W.runtimeApiPort]: int(1, 65_535),
});

/** A generic pod (WORKER_GENERIC_ENV): no function yet, so its fields may be absent. */
const genericSchema = schema.extend({
  [W.functionName]: optional(z.string().default('')),
  [W.handler]: optional(z.string().default('')),
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
  /** Hex SHA-256s of the layers, in merge order; empty: none. */
  readonly layers: readonly string[];
  /** The code route's token of each layer (same order); empty without code over HTTP. */
  readonly layerTokens: readonly string[];
  /** Where the layers are merged: the pod's `/opt`. */
  readonly optDir: string;
  /** The pod's `/var/task`: the code is copied there for the runtime; undefined: run in place. */
  readonly taskDir: string | undefined;
  /** The same folder as the runtime sees it (read-only `/var/task`); default `taskDir`. */
  readonly taskView: string | undefined;
  /**
   * When an environment ends, SIGKILL every other process this uid may signal (a zip function's
   * pod, whose shared PID namespace's pause container reaps them). Never set outside a pod.
   */
  readonly killStrays: boolean;
  /** One file per function variable (a projected Secret); undefined = no variables. */
  readonly environmentDir: string | undefined;
  /** Sealed variables (ADR 0046): the Secret, its token, the gateway; absent: none sealed. */
  readonly sealedEnvironment:
    { readonly secretName: string; readonly token?: string; readonly baseUrl?: string } | undefined;
  readonly region: string;
  readonly accountId: string;
  /** The function's LoggingConfig (WORKER_ENV.logging); undefined: Text. */
  readonly logging: FunctionLogging | undefined;
  readonly redisUrl: string | undefined;
  readonly port: number;
  readonly host: string;
  /** The runtime process (AWS base-image layout); `provided*` runtimes use the code's own. */
  readonly bootstrap: string;
  /**
   * A generic pod starts this ahead of its function and specialises it (ADR 0019); undefined
   * (an image without one): the runtime is spawned once the function is known.
   */
  readonly parkedBootstrap: string | undefined;
  /** After SIGTERM, keep answering `draining` at least this long so callers move on cleanly. */
  readonly drainLingerMs: number;
  readonly initTimeoutMs: number;
  /**
   * Start the runtime and run init when the code is in place, before the pod is ready; always
   * on for a provisioned pod.
   */
  readonly initAtStart: boolean;
  /** AWS_LAMBDA_INITIALIZATION_TYPE of the runtime: the pod is one of provisioned concurrency. */
  readonly initializationType: 'on-demand' | 'provisioned-concurrency';
  readonly logLevel: LogLevel;
  /**
   * A pre-warmed generic pod (ADR 0019): started without a function (functionName and handler
   * empty), it waits for one specialise request and then serves that version only.
   */
  readonly generic: boolean;
  /** A specialised generic pod idle this long turns unready for good (the gateway reaps it). */
  readonly specializedIdleMs: number;
  /**
   * An image function's pod (ADR 0028): the Runtime API's port for the function's own
   * container; the agent starts no runtime. Undefined otherwise.
   */
  readonly runtimeApiPort: number | undefined;
}

/** Reads the agent's configuration from an environment (a value, not process.env). */
/** The sealed-variables settings (ADR 0046) of the parsed environment; absent: none sealed. */
function sealedOf(
  secretName: string | undefined,
  e: Readonly<Record<string, unknown>>,
): AgentConfig['sealedEnvironment'] {
  if (secretName === undefined) return undefined;
  const token = e[W.sealedEnvironmentToken];
  const baseUrl = e[W.sealedEnvironmentUrl];
  return {
    secretName,
    ...(typeof token === 'string' ? { token } : {}),
    ...(typeof baseUrl === 'string' ? { baseUrl } : {}),
  };
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): AgentConfig {
  const generic = env[WORKER_GENERIC_ENV] === 'true';
  const image = !generic && env[W.runtimeApiPort] !== undefined;
  const e = generic
    ? parseEnv(genericSchema, env)
    : image
      ? parseEnv(imageSchema, env)
      : parseEnv(schema, env);
  // Validated by imageSchema just above.
  const runtimeApiPort = image ? Number(env[W.runtimeApiPort]) : undefined;
  return Object.freeze({
    functionName: e[W.functionName],
    namespace: e[W.namespace],
    version: e[W.version],
    runtime: e[W.runtime],
    handler: e[W.handler],
    memorySizeMb: e[W.memorySizeMb],
    timeoutSeconds: e[W.timeoutSeconds],
    ephemeralStorageMb: e.LAMINA_EPHEMERAL_STORAGE_MB,
    codeSha256Hex: e[W.codeSha256],
    codeStoreDir: e[W.codeDir],
    codeUrl: e.LAMINA_CODE_URL,
    codeToken: e.LAMINA_CODE_TOKEN,
    codeCacheDir: e.LAMINA_CODE_CACHE_DIR,
    layers: e[W.layers]?.split(',') ?? [],
    layerTokens: e.LAMINA_LAYER_TOKENS?.split(',') ?? [],
    optDir: e.LAMINA_OPT_DIR,
    taskDir: e[W.taskDir],
    taskView: e[W.taskView],
    killStrays: e[W.killStrays] === 'true',
    environmentDir: e[W.environmentDir],
    sealedEnvironment: sealedOf(e[W.sealedEnvironment], e),
    region: e[W.region],
    accountId: e.LAMINA_ACCOUNT_ID,
    logging: e[W.logging],
    redisUrl: e[W.redisUrl],
    port: e[W.port],
    host: e.LAMINA_WORKER_HOST,
    bootstrap: e.LAMINA_BOOTSTRAP,
    parkedBootstrap: e.LAMINA_PARKED_BOOTSTRAP,
    drainLingerMs: e.LAMINA_DRAIN_LINGER_MS,
    initTimeoutMs: e.LAMINA_INIT_TIMEOUT_MS,
    initAtStart:
      e.LAMINA_INIT_AT_START === 'true' || e[W.initializationType] === 'provisioned-concurrency',
    initializationType: e[W.initializationType],
    logLevel: e.LAMINA_LOG_LEVEL,
    generic,
    specializedIdleMs: e.LAMINA_SPECIALIZED_IDLE_SECONDS * 1000,
    runtimeApiPort,
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

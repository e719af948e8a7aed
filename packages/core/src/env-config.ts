import { z } from 'zod';

/** Log levels every Lamina process accepts (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Thrown by a service's loadConfig; the message lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/** An environment variable where unset and empty both mean "use the default". */
export const envOptional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema);

/** An integer environment variable within [min, max]. */
export const envInt = (min: number, max?: number) => {
  const base = z.coerce.number().int().min(min);
  return max === undefined ? base : base.max(max);
};

/** A redis:// or rediss:// URL. */
export const redisUrlSchema = z
  .string()
  .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL');

/**
 * The variables every standalone service behind the gateway reads (dispatcher, poller): Redis,
 * the gateway's URL, the key prefix shared with the gateway, bind address, ARN parts, log level.
 */
export const serviceEnvShape = {
  REDIS_URL: redisUrlSchema,
  LAMINA_GATEWAY_URL: envOptional(z.url().default('http://127.0.0.1:9000')),
  LAMINA_REDIS_PREFIX: envOptional(
    z
      .string()
      .regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'must be 1-64 of [a-zA-Z0-9_.-]')
      .default('lamina'),
  ),
  LAMINA_HOST: envOptional(z.string().default('127.0.0.1')),
  LAMINA_REGION: envOptional(z.string().default('us-east-1')),
  LAMINA_ACCOUNT_ID: envOptional(
    z
      .string()
      .regex(/^\d{12}$/, 'must be 12 digits')
      .default('000000000000'),
  ),
  LAMINA_LOG_LEVEL: envOptional(z.enum(LOG_LEVELS).default('info')),
  /** How long one call to the gateway's sync Invoke may take (Lambda's 900 s + margin). */
  LAMINA_INVOKE_TIMEOUT_MS: envOptional(envInt(1000).default(960_000)),
  LAMINA_SHUTDOWN_TIMEOUT_MS: envOptional(envInt(0).default(25_000)),
  /** The service's own access key for a signed gateway (issue #18); both or neither. */
  LAMINA_GATEWAY_ACCESS_KEY_ID: envOptional(z.string().min(1).optional()),
  LAMINA_GATEWAY_SECRET_ACCESS_KEY: envOptional(z.string().min(1).optional()),
  /** An https gateway: a PEM CA (or self-signed certificate) trusted besides the system's roots. */
  LAMINA_GATEWAY_CA_FILE: envOptional(z.string().min(1).optional()),
};

/** What the variables of serviceEnvShape configure; each service's config extends it. */
export interface ServiceConfig {
  readonly redisUrl: string;
  /** Key prefix shared with the gateway; installations sharing one Redis use different ones. */
  readonly redisPrefix: string;
  /** Where the sync Invoke API is (the same path clients use). */
  readonly gatewayUrl: string;
  readonly host: string;
  readonly region: string;
  readonly accountId: string;
  readonly invokeTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  /** The key its calls to the gateway are signed with; absent: unsigned (an open gateway). */
  readonly gatewayCredentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** An https gateway's CA certificate file, trusted besides the system's roots. */
  readonly gatewayCaFile?: string;
}

/** The parsed variables of serviceEnvShape as a ServiceConfig. */
export function serviceConfigOf(e: z.infer<z.ZodObject<typeof serviceEnvShape>>): ServiceConfig {
  return {
    redisUrl: e.REDIS_URL,
    redisPrefix: e.LAMINA_REDIS_PREFIX,
    gatewayUrl: e.LAMINA_GATEWAY_URL.replace(/\/+$/, ''),
    host: e.LAMINA_HOST,
    region: e.LAMINA_REGION,
    accountId: e.LAMINA_ACCOUNT_ID,
    invokeTimeoutMs: e.LAMINA_INVOKE_TIMEOUT_MS,
    logLevel: e.LAMINA_LOG_LEVEL,
    shutdownTimeoutMs: e.LAMINA_SHUTDOWN_TIMEOUT_MS,
    ...(e.LAMINA_GATEWAY_CA_FILE === undefined ? {} : { gatewayCaFile: e.LAMINA_GATEWAY_CA_FILE }),
    ...(e.LAMINA_GATEWAY_ACCESS_KEY_ID === undefined ||
    e.LAMINA_GATEWAY_SECRET_ACCESS_KEY === undefined
      ? {}
      : {
          gatewayCredentials: {
            accessKeyId: e.LAMINA_GATEWAY_ACCESS_KEY_ID,
            secretAccessKey: e.LAMINA_GATEWAY_SECRET_ACCESS_KEY,
          },
        }),
  };
}

/** Parses an environment with a schema, or throws ConfigError naming every problem. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`),
    );
  }
  return parsed.data;
}

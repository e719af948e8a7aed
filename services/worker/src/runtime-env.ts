import { randomBytes } from 'node:crypto';
import { type FunctionVersionConfig, logGroupOf, loggingRuntimeEnv } from '@lamina/core';

import { optSearchPaths } from './opt-search-paths.js';
import { credentialsEnv, type RoleCredentials } from './role-credentials.js';

export interface RuntimeEnvInput {
  readonly fn: FunctionVersionConfig;
  /** `127.0.0.1:<port>` of the environment's Runtime API. */
  readonly runtimeApi: string;
  readonly logStreamName: string;
  readonly tmpDir: string;
  /** LAMBDA_TASK_ROOT as the runtime sees it (`/var/task` in a sandbox); default the code dir. */
  readonly taskRoot?: string;
  /** Host variables the platform passes on (PATH, LANG, credentials …); the function's own win. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** LAMBDA_RUNTIME_DIR: where the runtime's code lives. */
  readonly runtimeDir: string;
  /** AWS_LAMBDA_INITIALIZATION_TYPE; default `on-demand`. */
  readonly initializationType?: 'on-demand' | 'provisioned-concurrency';
  /** The folder playing `/opt` when the function has layers: the search paths point into it. */
  readonly optDir?: string;
  /** The execution role's credentials; absent: the platform's (baseEnv) or clearly fake ones. */
  readonly credentials?: RoleCredentials;
}

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** `2019/06/07/[$LATEST]e6f4a0c4…`, dated in UTC. */
export function logStreamName(version: string, nowMs: number): string {
  const d = new Date(nowMs);
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${d.getUTCFullYear()}/${mm}/${dd}/[${version}]${randomBytes(16).toString('hex')}`;
}

/**
 * The runtime's environment (reference §6): unreserved defaults, the layers' search paths, the
 * function's own variables, then the reserved ones.
 */
export function runtimeEnv(input: RuntimeEnvInput): Record<string, string> {
  const { fn } = input;
  const platform: Record<string, string> = {
    PATH: DEFAULT_PATH,
    LANG: 'en_US.UTF-8',
    ...input.baseEnv,
    TMPDIR: input.tmpDir,
  };
  const credentials = credentialsEnv(input.credentials, platform);
  // Static keys carry no token: none of the platform's may go with them.
  if (credentials['AWS_SESSION_TOKEN'] === undefined) delete platform['AWS_SESSION_TOKEN'];
  return {
    ...platform,
    ...(input.optDir === undefined ? {} : optSearchPaths(fn.runtime, input.optDir, platform)),
    ...fn.environment,
    ...credentials,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: fn.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupOf(fn.name, fn.logging),
    ...loggingRuntimeEnv(fn.logging),
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_LAMBDA_RUNTIME_API: input.runtimeApi,
    AWS_LAMBDA_INITIALIZATION_TYPE: input.initializationType ?? 'on-demand',
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    // Custom runtimes (`provided*`) run without AWS_EXECUTION_ENV.
    ...(fn.runtime.startsWith('provided') ? {} : { AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}` }),
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: input.taskRoot ?? fn.codeDir,
    LAMBDA_RUNTIME_DIR: input.runtimeDir,
    TZ: 'UTC',
  };
}

const RANDOM_POOL_BYTES = 20 * 256;
let randomPool = Buffer.alloc(0);
let randomAt = RANDOM_POOL_BYTES;

/** 20 random bytes as hex, from a pool refilled every 256 calls (one syscall, not one per call). */
function random20Hex(): string {
  if (randomAt >= RANDOM_POOL_BYTES) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomAt = 0;
  }
  randomAt += 20;
  return randomPool.toString('hex', randomAt - 20, randomAt);
}

/** An X-Ray style trace header for invocations that arrive without one. */
export function newTraceId(nowMs: number): string {
  const r = random20Hex();
  const epoch = Math.floor(nowMs / 1000).toString(16);
  return `Root=1-${epoch}-${r.slice(0, 24)};Parent=${r.slice(24, 40)};Sampled=0`;
}

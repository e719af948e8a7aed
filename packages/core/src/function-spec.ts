import { parseAsyncTarget } from './async-invoke.js';
import { InvalidParameterValueException, ValidationException } from './errors.js';
import {
  type ImageConfig,
  imageFieldsError,
  isEmptyImageConfig,
  parsePackageType,
} from './image-function.js';
import type { FunctionLayer } from './layers.js';
import { LIMITS } from './limits.js';
import { type FunctionLogging, isDefaultLogging } from './logging-config.js';
import { assertFunctionName } from './names.js';
import { assertRuntimeNotDeprecated, isDeprecatedRuntime } from './deprecated-runtimes.js';
import { RUNTIMES } from './runtimes.js';
import {
  type EnvironmentError,
  isEmptyVpcConfig,
  kmsKeyIdOf,
  type VpcConfig,
} from './vpc-kms-config.js';

/** Runtime identifiers Lamina knows (runtimes.json); which ones a deployment runs is configuration. */
export const KNOWN_RUNTIMES: readonly string[] = Object.freeze(RUNTIMES.map((r) => r.id));
export type Runtime = string;

/** Configuration of a function's `$LATEST`, as a platform-neutral value. */
export interface FunctionSpec {
  readonly name: string;
  readonly runtime: string;
  readonly handler: string;
  readonly description: string;
  readonly role: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly ephemeralStorage: number;
  readonly environment: Readonly<Record<string, string>>;
  /** Absent = draws from the unreserved pool; 0 = always throttled. */
  readonly reservedConcurrency?: number;
  readonly architectures: readonly string[];
  /** DeadLetterConfig.TargetArn: where async events go when retries or their age run out. */
  readonly deadLetterTargetArn?: string;
  /** Layers merged in order into /opt; absent when none. */
  readonly layers?: readonly FunctionLayer[];
  /** `Image` for a container-image function (no runtime, handler or layers); absent: Zip. */
  readonly packageType?: 'Image';
  /** An image function's overrides of its ENTRYPOINT/CMD/WORKDIR; absent when none. */
  readonly imageConfig?: ImageConfig;
  /** LoggingConfig (format, levels, log group); absent: Text to `/aws/lambda/<name>`. */
  readonly logging?: FunctionLogging;
  /** KMSKeyArn: the key that wraps the environment's data key; absent: the mode's own key. */
  readonly kmsKeyArn?: string;
  /**
   * Set when the variables are sealed under `kmsKeyArn` and that key cannot open them now (read
   * side only, never written): GetFunctionConfiguration's `Environment.Error`, Invoke's 502.
   */
  readonly environmentError?: EnvironmentError;
  /** VpcConfig: security group ids name egress groups (vpc-kms-config.ts); absent when none. */
  readonly vpcConfig?: VpcConfig;
}

/** The subset of CreateFunction / a Function manifest that configures a function. */
export interface FunctionSpecInput {
  name: unknown;
  runtime?: unknown;
  handler?: unknown;
  description?: unknown;
  role?: unknown;
  memorySize?: unknown;
  timeout?: unknown;
  ephemeralStorage?: unknown;
  environment?: unknown;
  reservedConcurrency?: unknown;
  architectures?: unknown;
  /** DeadLetterConfig.TargetArn; `''` removes it. */
  deadLetterTargetArn?: unknown;
  /** Already resolved against the layer store (routes resolve `Layers` ARNs); kept as given. */
  layers?: readonly FunctionLayer[] | undefined;
  /** PackageType: `Zip` (default) or `Image`. */
  packageType?: unknown;
  /** Already parsed (`parseImageConfig`, as routes do with the API's ImageConfig). */
  imageConfig?: ImageConfig | undefined;
  /** Already parsed and merged (`parseLoggingConfig`); kept unless it is Lambda's default. */
  logging?: FunctionLogging | undefined;
  /** KMSKeyArn; `''` removes it. The key's existence is the route's check (KmsKeys). */
  kmsKeyArn?: unknown;
  /** Already parsed (`parseVpcConfig`); empty lists remove it. */
  vpcConfig?: VpcConfig | undefined;
}

const ENV_KEY = /^[a-zA-Z][a-zA-Z0-9_]+$/;
/** Keys Lambda sets itself and refuses in a function's environment. */
export const RESERVED_ENV_KEYS: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/** Collects constraint violations and raises them as one ValidationException, like Lambda. */
class Violations {
  private readonly list: string[] = [];
  add(field: string, rule: string): void {
    this.list.push(`'${field}' value failed to satisfy constraint: ${rule}`);
  }
  int(
    field: string,
    value: unknown,
    min: number,
    max: number | undefined,
    fallback: number,
  ): number {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.add(field, 'Member must be an integer');
      return fallback;
    }
    if (value < min) this.add(field, `Member must have value greater than or equal to ${min}`);
    else if (max !== undefined && value > max)
      this.add(field, `Member must have value less than or equal to ${max}`);
    return value;
  }
  str(field: string, value: unknown, max: number, fallback: string): string {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') {
      this.add(field, 'Member must be a string');
      return fallback;
    }
    if (value.length > max) this.add(field, `Member must have length less than or equal to ${max}`);
    return value;
  }
  throwIfAny(): void {
    if (this.list.length === 1) throw new ValidationException(this.list[0] ?? '');
    if (this.list.length > 1) {
      throw new ValidationException(
        `${this.list.length} validation errors detected: ${this.list.join('; ')}`,
      );
    }
  }
}

function environmentOf(v: Violations, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    v.add('Environment.Variables', 'Member must be a map of strings');
    return {};
  }
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(value)) {
    if (!ENV_KEY.test(k)) {
      v.add(
        'Environment.Variables',
        'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+ for keys',
      );
    } else if (typeof val !== 'string') {
      v.add('Environment.Variables', 'Member must have string values');
    } else {
      env[k] = val;
    }
  }
  return env;
}

/**
 * Validates a function's configuration with Lambda's rules and messages: range violations are
 * ValidationException (`'MemorySize' value failed to satisfy constraint: …`), semantic problems
 * InvalidParameterValueException. `supportedRuntimes` is what this deployment can run.
 */
export function validateFunctionSpec(
  input: FunctionSpecInput,
  supportedRuntimes: readonly string[],
): FunctionSpec {
  if (typeof input.name !== 'string') {
    throw new ValidationException(
      "'FunctionName' value failed to satisfy constraint: Member must not be null",
    );
  }
  assertFunctionName(input.name);
  const v = new Violations();
  const memorySize = v.int(
    'MemorySize',
    input.memorySize,
    LIMITS.memoryMinMb,
    LIMITS.memoryMaxMb,
    LIMITS.defaultMemoryMb,
  );
  const timeout = v.int(
    'Timeout',
    input.timeout,
    LIMITS.timeoutMinSeconds,
    LIMITS.timeoutMaxSeconds,
    LIMITS.defaultTimeoutSeconds,
  );
  const ephemeralStorage = v.int(
    'EphemeralStorage.Size',
    input.ephemeralStorage,
    LIMITS.ephemeralStorageMinMb,
    LIMITS.ephemeralStorageMaxMb,
    LIMITS.ephemeralStorageMinMb,
  );
  const reserved =
    input.reservedConcurrency === undefined || input.reservedConcurrency === null
      ? undefined
      : v.int('ReservedConcurrentExecutions', input.reservedConcurrency, 0, undefined, 0);
  const handler = v.str('Handler', input.handler, LIMITS.handlerMaxLength, '');
  if (/\s/.test(handler))
    v.add('Handler', 'Member must satisfy regular expression pattern: [^\\s]+');
  const description = v.str('Description', input.description, LIMITS.descriptionMaxLength, '');
  const role = v.str('Role', input.role, 2048, 'arn:aws:iam::000000000000:role/lamina-default');
  const runtime = v.str('Runtime', input.runtime, 64, '');
  if (runtime !== '' && !KNOWN_RUNTIMES.includes(runtime) && !isDeprecatedRuntime(runtime)) {
    v.add('Runtime', `Member must satisfy enum value set: [${KNOWN_RUNTIMES.join(', ')}]`);
  }
  // arm64 is stored and shown as asked; the function still runs on the host's architecture.
  let architectures = ['x86_64'];
  if (input.architectures !== undefined && input.architectures !== null) {
    const [arch] = Array.isArray(input.architectures) ? (input.architectures as unknown[]) : [];
    if (
      !Array.isArray(input.architectures) ||
      input.architectures.length !== 1 ||
      (arch !== 'x86_64' && arch !== 'arm64')
    ) {
      v.add(
        'Architectures',
        'Member must satisfy enum value set: [x86_64, arm64] and have length 1',
      );
    } else architectures = [arch];
  }
  const environment = environmentOf(v, input.environment);
  const deadLetter = v.str('DeadLetterConfig.TargetArn', input.deadLetterTargetArn, 1024, '');
  const kmsKeyArn = v.str('KMSKeyArn', input.kmsKeyArn, 10000, '');
  v.throwIfAny();
  if (kmsKeyArn !== '') kmsKeyIdOf(kmsKeyArn);
  // Throws InvalidParameterValueException for a target Lamina cannot deliver to.
  if (deadLetter !== '') parseAsyncTarget(deadLetter);

  const image = imageFieldsOf(input, runtime, handler);
  if (image === undefined && runtime === '')
    throw new InvalidParameterValueException('Runtime is required for .zip deployment packages.');
  if (image === undefined) assertRuntimeNotDeprecated(runtime);
  const info = image === undefined ? RUNTIMES.find((r) => r.id === runtime) : undefined;
  if (info?.unavailable !== undefined) {
    throw new InvalidParameterValueException(
      `The runtime parameter of ${runtime} is not supported by Lamina: ${info.unavailable}.`,
    );
  }
  if (image === undefined && !supportedRuntimes.includes(runtime)) {
    // What is missing, where the runtime list says what it needs (local mode's interpreters).
    const needs = info?.requires === undefined ? '' : ` It needs ${info.requires}.`;
    throw new InvalidParameterValueException(
      `The runtime parameter of ${runtime} is not supported by this Lamina installation.${needs} Supported runtimes: ${supportedRuntimes.join(', ')}.`,
    );
  }
  if (image === undefined && handler === '')
    throw new InvalidParameterValueException('Handler is required for .zip deployment packages.');
  const reservedKeys = Object.keys(environment).filter((k) => RESERVED_ENV_KEYS.has(k));
  if (reservedKeys.length > 0) {
    throw new InvalidParameterValueException(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reservedKeys.join(', ')}`,
    );
  }
  const envSize = Buffer.byteLength(JSON.stringify(environment));
  if (envSize > LIMITS.environmentMaxBytes) {
    throw new InvalidParameterValueException(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${envSize} bytes`,
    );
  }
  return {
    name: input.name,
    runtime,
    handler,
    description,
    role,
    memorySize,
    timeout,
    ephemeralStorage,
    environment,
    architectures,
    ...(reserved === undefined ? {} : { reservedConcurrency: reserved }),
    ...(deadLetter === '' ? {} : { deadLetterTargetArn: deadLetter }),
    ...(kmsKeyArn === '' ? {} : { kmsKeyArn }),
    ...(input.vpcConfig === undefined || isEmptyVpcConfig(input.vpcConfig)
      ? {}
      : { vpcConfig: input.vpcConfig }),
    ...(input.layers === undefined || input.layers.length === 0 ? {} : { layers: input.layers }),
    ...image,
    ...(input.logging === undefined || isDefaultLogging(input.logging)
      ? {}
      : { logging: input.logging }),
  };
}

/**
 * The image fields of a spec (undefined for a Zip function): an image function takes no
 * runtime, handler or layers (Lambda's own message), and keeps ImageConfig only when it
 * overrides something; a Zip function refuses ImageConfig.
 */
function imageFieldsOf(
  input: FunctionSpecInput,
  runtime: string,
  handler: string,
): Pick<FunctionSpec, 'packageType' | 'imageConfig'> | undefined {
  const config = input.imageConfig;
  if (parsePackageType(input.packageType) === 'Zip') {
    if (!isEmptyImageConfig(config)) {
      throw new InvalidParameterValueException(
        'ImageConfig is only supported for functions with PackageType Image.',
      );
    }
    return undefined;
  }
  if (runtime !== '' || handler !== '' || (input.layers !== undefined && input.layers.length > 0))
    throw imageFieldsError();
  return {
    packageType: 'Image',
    ...(config === undefined || isEmptyImageConfig(config) ? {} : { imageConfig: config }),
  };
}

/**
 * Lambda's `LoggingConfig` (issue #22 item 3, ADR 0041): the log format of a function (`Text` or
 * `JSON`), the application and system log levels (JSON only, as on AWS), and its log group.
 * Parsed here once for both API calls (Create/UpdateFunctionConfiguration) and answered here
 * once (GetFunctionConfiguration, versions); the runtime learns the format and level from
 * `AWS_LAMBDA_LOG_FORMAT` / `AWS_LAMBDA_LOG_LEVEL`, which the official runtime interface clients
 * read (aws-lambda-ric's `determineLogFormat`/`determineLogLevel`, awslambdaric's bootstrap).
 *
 * Invariants: pure; a stored `FunctionLogging` with format `JSON` always carries both levels (the
 * defaults filled in, as AWS shows them), one with `Text` carries neither; enum and pattern
 * checks of the API's members happen earlier (the service model, ADR 0031): what is left here is
 * the cross-field rule and merging with the current value.
 */
import { InvalidParameterValueException, ValidationException } from './errors.js';

export const LOG_FORMATS = ['Text', 'JSON'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const APPLICATION_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type ApplicationLogLevel = (typeof APPLICATION_LOG_LEVELS)[number];
export const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;
export type SystemLogLevel = (typeof SYSTEM_LOG_LEVELS)[number];

/** A function's logging settings as stored; absent on a spec: Text to `/aws/lambda/<name>`. */
export interface FunctionLogging {
  readonly format: LogFormat;
  /** Set exactly when `format` is JSON. */
  readonly applicationLogLevel?: ApplicationLogLevel;
  /** Set exactly when `format` is JSON. */
  readonly systemLogLevel?: SystemLogLevel;
  /** Absent: the default group `/aws/lambda/<function name>`. */
  readonly logGroup?: string;
}

/** What AWS answers when a level comes with the Text format. */
export const LEVEL_NEEDS_JSON_MESSAGE =
  'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "Json" and try again.';

/** `/aws/lambda/<name>`: every function's log group unless LoggingConfig names another. */
export function defaultLogGroup(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** A value as AWS's validation message shows it. */
const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function member<T extends string>(
  field: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ValidationException(
      `1 validation error detected: Value '${shown(value)}' at 'loggingConfig.${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return value as T;
}

const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/;

/**
 * The logging settings a request's `LoggingConfig` asks for, merged over `current` (a member left
 * out keeps its value; switching to Text drops the levels; switching to JSON fills in INFO).
 * Undefined when the request has no LoggingConfig (nothing changes). Throws
 * InvalidParameterValueException, in AWS's words, for a level with the Text format.
 */
export function parseLoggingConfig(
  value: unknown,
  current: FunctionLogging | undefined,
): FunctionLogging | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationException(
      "'LoggingConfig' value failed to satisfy constraint: Member must be a structure",
    );
  }
  const v = value as Record<string, unknown>;
  const given = member('logFormat', v['LogFormat'], LOG_FORMATS);
  const app = member('applicationLogLevel', v['ApplicationLogLevel'], APPLICATION_LOG_LEVELS);
  const sys = member('systemLogLevel', v['SystemLogLevel'], SYSTEM_LOG_LEVELS);
  const group = v['LogGroup'];
  if (
    group !== undefined &&
    group !== null &&
    (typeof group !== 'string' || !LOG_GROUP.test(group))
  ) {
    throw new ValidationException(
      `1 validation error detected: Value '${shown(group)}' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
    );
  }
  const format = given ?? current?.format ?? 'Text';
  const logGroup = typeof group === 'string' ? group : current?.logGroup;
  return normalizeLogging(
    {
      format,
      ...(app === undefined ? {} : { applicationLogLevel: app }),
      ...(sys === undefined ? {} : { systemLogLevel: sys }),
      ...(logGroup === undefined ? {} : { logGroup }),
    },
    current,
  );
}

/**
 * A complete FunctionLogging: JSON gets both levels (given, else the current ones, else INFO);
 * Text refuses levels that were asked for. Used for API requests and for manifests/resources.
 */
export function normalizeLogging(
  asked: FunctionLogging,
  current?: FunctionLogging,
): FunctionLogging {
  const group = asked.logGroup === undefined ? {} : { logGroup: asked.logGroup };
  if (asked.format === 'Text') {
    if (asked.applicationLogLevel !== undefined || asked.systemLogLevel !== undefined)
      throw new InvalidParameterValueException(LEVEL_NEEDS_JSON_MESSAGE);
    return { format: 'Text', ...group };
  }
  return {
    format: 'JSON',
    applicationLogLevel: asked.applicationLogLevel ?? current?.applicationLogLevel ?? 'INFO',
    systemLogLevel: asked.systemLogLevel ?? current?.systemLogLevel ?? 'INFO',
    ...group,
  };
}

/** True when the settings are Lambda's defaults (nothing worth storing). */
export function isDefaultLogging(l: FunctionLogging | undefined): boolean {
  return l === undefined || (l.format === 'Text' && l.logGroup === undefined);
}

/** The function's log group (AWS_LAMBDA_LOG_GROUP_NAME). */
export function logGroupOf(functionName: string, l: FunctionLogging | undefined): string {
  return l?.logGroup ?? defaultLogGroup(functionName);
}

/** The `LoggingConfig` of a FunctionConfiguration answer. */
export function loggingConfigResponse(
  functionName: string,
  l: FunctionLogging | undefined,
): Record<string, string> {
  return {
    LogFormat: l?.format ?? 'Text',
    ...(l?.applicationLogLevel === undefined ? {} : { ApplicationLogLevel: l.applicationLogLevel }),
    ...(l?.systemLogLevel === undefined ? {} : { SystemLogLevel: l.systemLogLevel }),
    LogGroup: logGroupOf(functionName, l),
  };
}

/**
 * What the runtime reads: `AWS_LAMBDA_LOG_FORMAT=JSON` and `AWS_LAMBDA_LOG_LEVEL=<application
 * level>` with the JSON format; nothing with Text (the clients' default).
 */
export function loggingRuntimeEnv(l: FunctionLogging | undefined): Record<string, string> {
  if (l?.format !== 'JSON') return {};
  return {
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_LAMBDA_LOG_LEVEL: l.applicationLogLevel ?? 'INFO',
  };
}

/** The settings as the API's LoggingConfig members: what a worker pod's environment carries. */
export function loggingMembers(l: FunctionLogging): Record<string, string> {
  return {
    LogFormat: l.format,
    ...(l.applicationLogLevel === undefined ? {} : { ApplicationLogLevel: l.applicationLogLevel }),
    ...(l.systemLogLevel === undefined ? {} : { SystemLogLevel: l.systemLogLevel }),
    ...(l.logGroup === undefined ? {} : { LogGroup: l.logGroup }),
  };
}

/** `loggingMembers` as JSON text, read back; throws a LaminaError for anything else. */
export function loggingFromJson(text: string): FunctionLogging {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationException('LoggingConfig is not JSON');
  }
  return parseLoggingConfig(value, undefined) ?? { format: 'Text' };
}

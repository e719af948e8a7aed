/**
 * Schedules (EventBridge Scheduler, 2021-06-30): the stored model, the Redis layout shared by the
 * gateway (API) and the scheduler runner (dispatcher room), validation of CreateSchedule /
 * UpdateSchedule input, the answer shapes, and the event a target gets without `Input`.
 *
 * Invariants: a schedule is keyed by `group/name`; times are epoch ms in the store and epoch
 * seconds on the wire (rest-json timestamps); UpdateSchedule replaces every field (AWS: omitted
 * optional fields return to their defaults) except the creation date; the target is a Lamina
 * function ARN of this region and account, with any qualifier.
 */
import { parseFunctionRef, type ArnContext } from './names.js';
import { assertTimeZone, parseScheduleExpression } from './schedule-expression.js';
import { schedulerValidation } from './scheduler-errors.js';

export const SCHEDULE_LAYOUT_VERSION = 1;
export const DEFAULT_SCHEDULE_GROUP = 'default';

/** Redis keys: schedules (`group/name` → JSON), groups (name → JSON), run status, tick claims. */
export function scheduleKeys(prefix = 'lamina') {
  const base = `${prefix}:v${String(SCHEDULE_LAYOUT_VERSION)}:{sched}`;
  return {
    schedules: `${base}:schedules`,
    groups: `${base}:groups`,
    status: `${base}:status`,
    claim: (id: string, tick: number): string => `${base}:claim:${id}:${String(tick)}`,
  } as const;
}
export type ScheduleKeys = ReturnType<typeof scheduleKeys>;

export interface ScheduleTarget {
  readonly arn: string;
  readonly roleArn: string;
  readonly input?: string;
  readonly retryPolicy: {
    readonly maximumEventAgeInSeconds: number;
    readonly maximumRetryAttempts: number;
  };
  readonly deadLetterConfig?: { readonly arn: string };
}

export interface Schedule {
  readonly name: string;
  readonly groupName: string;
  readonly description?: string;
  readonly scheduleExpression: string;
  readonly scheduleExpressionTimezone?: string;
  readonly startDate?: number;
  readonly endDate?: number;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly flexibleTimeWindow: {
    readonly mode: 'OFF' | 'FLEXIBLE';
    readonly maximumWindowInMinutes?: number;
  };
  readonly target: ScheduleTarget;
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly kmsKeyArn?: string;
  readonly creationDate: number;
  readonly lastModificationDate: number;
  /** `resource`: mirrored from a Schedule custom resource by the operator (which owns it). */
  readonly origin?: 'resource';
}

export interface ScheduleGroup {
  readonly name: string;
  readonly creationDate: number;
  readonly lastModificationDate: number;
}

/** What the runner reports per schedule. */
export interface ScheduleStatus {
  readonly lastRun?: number;
  readonly nextRun?: number;
}

export const scheduleId = (group: string, name: string): string => `${group}/${name}`;
export const scheduleArn = (ctx: ArnContext, group: string, name: string): string =>
  `arn:aws:scheduler:${ctx.region}:${ctx.accountId}:schedule/${group}/${name}`;
export const scheduleGroupArn = (ctx: ArnContext, group: string): string =>
  `arn:aws:scheduler:${ctx.region}:${ctx.accountId}:schedule-group/${group}`;

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const ROLE = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SQS = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9-_]+$/;

/** Throws ValidationException unless `name` is a schedule or group name. */
export function assertScheduleName(name: string, field = 'name'): void {
  if (!NAME.test(name))
    throw schedulerValidation(
      `1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+`,
    );
}

type Body = Record<string, unknown>;
const obj = (v: unknown, field: string): Body => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw schedulerValidation(`${field} must be an object.`);
  return v as Body;
};
const str = (b: Body, k: string, field = k): string | undefined => {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw schedulerValidation(`${field} must be a string.`);
  return v;
};
const required = (v: string | undefined, field: string): string => {
  if (v === undefined || v === '')
    throw schedulerValidation(`1 validation error detected: ${field} must not be null.`);
  return v;
};
const int = (b: Body, k: string, min: number, max: number): number | undefined => {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw schedulerValidation(`${k} must be an integer between ${String(min)} and ${String(max)}.`);
  return v;
};
/** A rest-json timestamp: epoch seconds (number) or an ISO-8601 string; epoch ms out. */
const date = (b: Body, k: string): number | undefined => {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw schedulerValidation(`${k} is not a valid timestamp.`);
  return Math.round(ms);
};
function oneOf<T extends string>(b: Body, k: string, allowed: readonly T[], fallback: T): T {
  const v = str(b, k) ?? fallback;
  if (!(allowed as readonly string[]).includes(v))
    throw schedulerValidation(
      `1 validation error detected: Value '${v}' at '${k}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  return v as T;
}

function target(raw: unknown, ctx: ArnContext): ScheduleTarget {
  const b = obj(raw, 'Target');
  const arn = required(str(b, 'Arn', 'Target.Arn'), 'Target.Arn');
  const ref = (() => {
    try {
      return parseFunctionRef(arn);
    } catch {
      return undefined;
    }
  })();
  if (!arn.startsWith('arn:') || ref === undefined)
    throw schedulerValidation(
      `Invalid target ARN ${arn}: Lamina schedules target Lambda functions.`,
    );
  if (ref.region !== ctx.region || ref.accountId !== ctx.accountId)
    throw schedulerValidation(`Target ${arn} is not a function of ${ctx.region}/${ctx.accountId}.`);
  const roleArn = required(str(b, 'RoleArn', 'Target.RoleArn'), 'Target.RoleArn');
  if (!ROLE.test(roleArn)) throw schedulerValidation(`Invalid RoleArn ${roleArn}.`);
  const input = str(b, 'Input', 'Target.Input');
  if (input !== undefined) {
    // A Lambda target takes JSON only (Scheduler's rule for templated Lambda targets).
    try {
      JSON.parse(input);
    } catch {
      throw schedulerValidation('Target.Input must be well-formed JSON for a Lambda target.');
    }
  }
  const retry = b['RetryPolicy'] === undefined ? {} : obj(b['RetryPolicy'], 'RetryPolicy');
  const dlq =
    b['DeadLetterConfig'] === undefined
      ? undefined
      : obj(b['DeadLetterConfig'], 'DeadLetterConfig');
  const dlqArn = dlq === undefined ? undefined : str(dlq, 'Arn', 'DeadLetterConfig.Arn');
  if (dlqArn !== undefined && !SQS.test(dlqArn))
    throw schedulerValidation(`Invalid DeadLetterConfig.Arn ${dlqArn}.`);
  return {
    arn,
    roleArn,
    ...(input === undefined ? {} : { input }),
    retryPolicy: {
      maximumEventAgeInSeconds: int(retry, 'MaximumEventAgeInSeconds', 60, 86_400) ?? 86_400,
      maximumRetryAttempts: int(retry, 'MaximumRetryAttempts', 0, 185) ?? 185,
    },
    ...(dlqArn === undefined ? {} : { deadLetterConfig: { arn: dlqArn } }),
  };
}

/** CreateSchedule / UpdateSchedule input → a schedule (created `now`, or keeping `previous`). */
export function scheduleFromInput(
  name: string,
  raw: unknown,
  ctx: ArnContext,
  now: number,
  previous?: Schedule,
): Schedule {
  assertScheduleName(name);
  const b = obj(raw ?? {}, 'body');
  const groupName = str(b, 'GroupName') ?? DEFAULT_SCHEDULE_GROUP;
  assertScheduleName(groupName, 'groupName');
  const scheduleExpression = required(str(b, 'ScheduleExpression'), 'ScheduleExpression');
  parseScheduleExpression(scheduleExpression);
  const zone = str(b, 'ScheduleExpressionTimezone');
  if (zone !== undefined) assertTimeZone(zone);
  if (b['FlexibleTimeWindow'] === undefined)
    throw schedulerValidation('1 validation error detected: FlexibleTimeWindow must not be null.');
  const ftw = obj(b['FlexibleTimeWindow'], 'FlexibleTimeWindow');
  const mode = oneOf(ftw, 'Mode', ['OFF', 'FLEXIBLE'] as const, 'OFF');
  const window = int(ftw, 'MaximumWindowInMinutes', 1, 1440);
  if (mode === 'FLEXIBLE' && window === undefined)
    throw schedulerValidation('MaximumWindowInMinutes is required when Mode is FLEXIBLE.');
  if (mode === 'OFF' && window !== undefined)
    throw schedulerValidation('MaximumWindowInMinutes must not be set when Mode is OFF.');
  if (b['Target'] === undefined)
    throw schedulerValidation('1 validation error detected: Target must not be null.');
  const startDate = date(b, 'StartDate');
  const endDate = date(b, 'EndDate');
  if (startDate !== undefined && endDate !== undefined && endDate <= startDate)
    throw schedulerValidation('The EndDate must be after the StartDate.');
  if (endDate !== undefined && endDate <= now)
    throw schedulerValidation('The EndDate must be in the future.');
  const description = str(b, 'Description');
  if (description !== undefined && description.length > 512)
    throw schedulerValidation('Description must be at most 512 characters.');
  const kmsKeyArn = str(b, 'KmsKeyArn');
  return {
    name,
    groupName,
    ...(description === undefined ? {} : { description }),
    scheduleExpression,
    ...(zone === undefined ? {} : { scheduleExpressionTimezone: zone }),
    ...(startDate === undefined ? {} : { startDate }),
    ...(endDate === undefined ? {} : { endDate }),
    state: oneOf(b, 'State', ['ENABLED', 'DISABLED'] as const, 'ENABLED'),
    flexibleTimeWindow: {
      mode,
      ...(window === undefined ? {} : { maximumWindowInMinutes: window }),
    },
    target: target(b['Target'], ctx),
    actionAfterCompletion: oneOf(b, 'ActionAfterCompletion', ['NONE', 'DELETE'] as const, 'NONE'),
    ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
    creationDate: previous?.creationDate ?? now,
    lastModificationDate: now,
  };
}

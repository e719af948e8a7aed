/**
 * What the Scheduler API answers for schedules and groups (epoch-second timestamps, as rest-json
 * sends them), the event a function target gets without `Input`, and a tick's request id.
 * Pure; shared by the gateway (answers) and the scheduler runner (events, ids).
 */
import { createHash } from 'node:crypto';

import type { ArnContext } from './names.js';
import { type Schedule, scheduleArn, type ScheduleGroup, scheduleGroupArn } from './schedule.js';

const seconds = (ms: number): number => ms / 1000;

/** GetSchedule's answer. */
export function toGetScheduleOutput(s: Schedule, ctx: ArnContext): Record<string, unknown> {
  const t = s.target;
  return {
    ActionAfterCompletion: s.actionAfterCompletion,
    Arn: scheduleArn(ctx, s.groupName, s.name),
    CreationDate: seconds(s.creationDate),
    ...(s.description === undefined ? {} : { Description: s.description }),
    ...(s.endDate === undefined ? {} : { EndDate: seconds(s.endDate) }),
    FlexibleTimeWindow: {
      Mode: s.flexibleTimeWindow.mode,
      ...(s.flexibleTimeWindow.maximumWindowInMinutes === undefined
        ? {}
        : { MaximumWindowInMinutes: s.flexibleTimeWindow.maximumWindowInMinutes }),
    },
    GroupName: s.groupName,
    ...(s.kmsKeyArn === undefined ? {} : { KmsKeyArn: s.kmsKeyArn }),
    LastModificationDate: seconds(s.lastModificationDate),
    Name: s.name,
    ScheduleExpression: s.scheduleExpression,
    ...(s.scheduleExpressionTimezone === undefined
      ? {}
      : { ScheduleExpressionTimezone: s.scheduleExpressionTimezone }),
    ...(s.startDate === undefined ? {} : { StartDate: seconds(s.startDate) }),
    State: s.state,
    Target: {
      Arn: t.arn,
      RoleArn: t.roleArn,
      ...(t.input === undefined ? {} : { Input: t.input }),
      RetryPolicy: {
        MaximumEventAgeInSeconds: t.retryPolicy.maximumEventAgeInSeconds,
        MaximumRetryAttempts: t.retryPolicy.maximumRetryAttempts,
      },
      ...(t.deadLetterConfig === undefined
        ? {}
        : { DeadLetterConfig: { Arn: t.deadLetterConfig.arn } }),
    },
  };
}

/** ListSchedules' ScheduleSummary. */
export function toScheduleSummary(s: Schedule, ctx: ArnContext): Record<string, unknown> {
  return {
    Arn: scheduleArn(ctx, s.groupName, s.name),
    CreationDate: seconds(s.creationDate),
    GroupName: s.groupName,
    LastModificationDate: seconds(s.lastModificationDate),
    Name: s.name,
    State: s.state,
    Target: { Arn: s.target.arn },
  };
}

/** GetScheduleGroup's answer and ListScheduleGroups' ScheduleGroupSummary. */
export function toScheduleGroupOutput(g: ScheduleGroup, ctx: ArnContext): Record<string, unknown> {
  return {
    Arn: scheduleGroupArn(ctx, g.name),
    CreationDate: seconds(g.creationDate),
    LastModificationDate: seconds(g.lastModificationDate),
    Name: g.name,
    State: 'ACTIVE',
  };
}

/**
 * What a function target gets without `Input`: Scheduler's default notification, an EventBridge
 * event with source `aws.scheduler` and the schedule's ARN as its resource.
 */
export function scheduledEvent(
  s: Pick<Schedule, 'groupName' | 'name'>,
  tick: number,
  id: string,
  ctx: ArnContext,
): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: ctx.accountId,
    time: new Date(tick).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: ctx.region,
    resources: [scheduleArn(ctx, s.groupName, s.name)],
    detail: '{}',
  };
}

/**
 * The request id of one tick, the same in every runner: the async queue keeps one job per id,
 * so a repeated enqueue of a tick (a lost 202) is absorbed while the first is still queued.
 */
export function tickRequestId(scheduleArnText: string, tick: number): string {
  const h = createHash('sha256')
    .update(`${scheduleArnText}|${String(tick)}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

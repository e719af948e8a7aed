/**
 * Schedule and ScheduleV2 events as EventBridge Scheduler schedules on Lamina's endpoint, named
 * `<function>-<event>` (at most 64 characters): created when missing, updated when the expression,
 * input or state differ, and deleted when the template no longer lists them (by that name prefix).
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';

import { errorName } from '../api-error.js';
import type { Run } from '../context.js';
import { PLACEHOLDER_ROLE } from '../function-deployer.js';
import type { FunctionChange } from './changeset.js';

export function scheduleName(functionName: string, eventId: string): string {
  return `${functionName}-${eventId}`.slice(0, 64);
}

export async function applySchedules(
  run: Run,
  c: FunctionChange,
  o: { region: string; accountId: string },
): Promise<void> {
  const { name, alias } = c.planned;
  const arn = `arn:aws:lambda:${o.region}:${o.accountId}:function:${name}${alias === undefined ? '' : `:${alias}`}`;
  const wanted = new Set<string>();
  for (const e of c.planned.events) {
    if (e.kind !== 'schedule') continue;
    const Name = scheduleName(name, e.id);
    wanted.add(Name);
    const fields = {
      Name,
      ScheduleExpression: e.expression,
      ...(e.timezone === undefined ? {} : { ScheduleExpressionTimezone: e.timezone }),
      State: e.enabled ? ('ENABLED' as const) : ('DISABLED' as const),
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      Target: {
        Arn: arn,
        RoleArn: PLACEHOLDER_ROLE,
        ...(e.input === undefined ? {} : { Input: e.input }),
      },
    };
    const current = await run.call(`GetSchedule ${Name}`, async () => {
      try {
        return await run.scheduler.send(new GetScheduleCommand({ Name }));
      } catch (err) {
        if (errorName(err) === 'ResourceNotFoundException') return undefined;
        throw err;
      }
    });
    if (current === undefined) {
      await run.call(`CreateSchedule ${Name}`, () =>
        run.scheduler.send(new CreateScheduleCommand(fields)),
      );
    } else if (
      current.ScheduleExpression !== fields.ScheduleExpression ||
      current.State !== fields.State ||
      current.Target?.Arn !== arn ||
      (current.Target.Input ?? undefined) !== (e.input ?? undefined)
    ) {
      await run.call(`UpdateSchedule ${Name}`, () =>
        run.scheduler.send(new UpdateScheduleCommand(fields)),
      );
    }
  }
  await deleteSchedulesOf(run, name, o, wanted);
}

/** Deletes the schedules named `<function>-…` that target the function, except `keep`. */
export async function deleteSchedulesOf(
  run: Run,
  name: string,
  o: { region: string; accountId: string },
  keep: ReadonlySet<string> = new Set(),
): Promise<void> {
  const target = `arn:aws:lambda:${o.region}:${o.accountId}:function:${name}`;
  const listed = await run.call(`ListSchedules ${name}-`, () =>
    run.scheduler.send(new ListSchedulesCommand({ NamePrefix: `${name}-` })),
  );
  for (const s of listed.Schedules ?? []) {
    const arn = s.Target?.Arn ?? '';
    if (s.Name === undefined || keep.has(s.Name)) continue;
    if (arn !== target && !arn.startsWith(`${target}:`)) continue;
    await run.call(`DeleteSchedule ${s.Name}`, () =>
      run.scheduler.send(new DeleteScheduleCommand({ Name: s.Name })),
    );
  }
}

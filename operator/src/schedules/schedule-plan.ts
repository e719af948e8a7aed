import {
  type ArnContext,
  nextRun,
  type Schedule,
  scheduleArn,
  scheduleId,
  type ScheduleStatus,
} from '@lamina/core';
import {
  type ScheduleResource,
  type ScheduleResourceStatus,
  scheduleFromResource,
} from '@lamina/kube';

/**
 * The pure half of the Schedule mirror: from the Schedule resources (the source of truth for
 * them in a cluster), the schedules in the runners' Redis store and the runners' reports, what
 * to write where. No I/O, so every rule is tested without an API server or Redis.
 *
 * Invariants: a resource `ns/name` is the schedule `name` of group `ns`, validated exactly as
 * CreateSchedule validates; Redis ends up holding exactly the valid resources' schedules among
 * those marked `origin: resource` (schedules made through the API are never touched unless a
 * resource takes over their group/name); an unchanged spec keeps its stored record (and so its
 * last-modified time, which decides which ticks are due); status is patched only where it differs.
 */

export interface SchedulePlanInput {
  readonly resources: readonly ScheduleResource[];
  /** `group/name` → the schedule in Redis now (undefined: unreadable). */
  readonly stored: ReadonlyMap<string, Schedule | undefined>;
  /** `group/name` → the runners' last report. */
  readonly reports: ReadonlyMap<string, ScheduleStatus>;
  readonly ctx: ArnContext;
  readonly nowMs: number;
}

export interface ScheduleStatusPatch {
  readonly namespace: string;
  readonly name: string;
  /** A JSON merge patch of `status` (null clears a field). */
  readonly status: Record<string, unknown>;
}

export interface SchedulePlan {
  readonly puts: readonly Schedule[];
  readonly deletes: readonly string[];
  readonly statuses: readonly ScheduleStatusPatch[];
}

const iso = (ms: number | undefined): string | null =>
  ms === undefined ? null : new Date(ms).toISOString();

const settings = (s: Schedule): string =>
  JSON.stringify({ ...s, creationDate: 0, lastModificationDate: 0 });

function statusPatch(
  r: ScheduleResource,
  desired: Record<string, unknown>,
): ScheduleStatusPatch | undefined {
  const current = (r.status ?? {}) as ScheduleResourceStatus & Record<string, unknown>;
  const status: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(desired))
    if ((current[key] ?? null) !== value) status[key] = value;
  if (Object.keys(status).length === 0) return undefined;
  return { namespace: r.metadata.namespace ?? '', name: r.metadata.name ?? '', status };
}

/** What to write: schedules into Redis, deletions from it, status onto the resources. */
export function planScheduleMirror(input: SchedulePlanInput): SchedulePlan {
  const { ctx, nowMs } = input;
  const puts: Schedule[] = [];
  const statuses: ScheduleStatusPatch[] = [];
  const kept = new Set<string>();
  const push = (p: ScheduleStatusPatch | undefined): void => {
    if (p !== undefined) statuses.push(p);
  };
  for (const r of input.resources) {
    if (r.metadata.deletionTimestamp !== undefined) continue;
    const generation = r.metadata.generation ?? null;
    const id = scheduleId(r.metadata.namespace ?? 'default', r.metadata.name ?? '');
    const before = input.stored.get(id);
    let schedule: Schedule;
    try {
      schedule = scheduleFromResource(r, ctx, nowMs, before);
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      push(statusPatch(r, { observedGeneration: generation, problem, nextRun: null }));
      continue;
    }
    kept.add(id);
    if (before?.origin === 'resource' && settings(before) === settings(schedule)) schedule = before;
    else puts.push(schedule);
    const report = input.reports.get(id);
    const next =
      schedule.state === 'ENABLED'
        ? nextRun(schedule, Math.max(nowMs, schedule.lastModificationDate))
        : undefined;
    push(
      statusPatch(r, {
        observedGeneration: generation,
        arn: scheduleArn(ctx, schedule.groupName, schedule.name),
        nextRun: iso(next),
        lastRun: iso(report?.lastRun),
        problem: null,
      }),
    );
  }
  const deletes = [...input.stored.entries()]
    .filter(([id, s]) => s?.origin === 'resource' && !kept.has(id))
    .map(([id]) => id);
  return { puts, deletes, statuses };
}

/**
 * Local mode's `Schedule` manifests: the cluster CRD's kind (packages/kube schema/schedule.ts) in
 * the YAML files of the functions folder, next to the Function manifests, put into the schedule
 * store when `lamina dev` starts — what the operator's mirror does in a cluster.
 *
 * Invariants: a manifest is validated by the CRD's schema and then as CreateSchedule validates
 * (an invalid one fails startup, naming its file); its group is `metadata.namespace` or
 * `default` (a missing group is created); an unchanged manifest keeps its stored record (and so
 * its last-modified time, which decides which ticks are due); stored schedules of
 * `origin: resource` with no manifest any more are deleted; API-made schedules are never
 * touched unless a manifest takes over their group/name. Read at startup only.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { type ArnContext, DEFAULT_SCHEDULE_GROUP, scheduleId } from '@lamina/core';
import { parseScheduleManifests, type ScheduleResource, scheduleFromResource } from '@lamina/kube';

import type { ScheduleStore } from '../schedules/schedule-store.js';

/** The `Schedule` documents of the YAML files in `dir` (other kinds skipped), schema-checked. */
export async function loadScheduleManifests(dir: string): Promise<ScheduleResource[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out: ScheduleResource[] = [];
  for (const file of files)
    out.push(...parseScheduleManifests(await readFile(join(dir, file), 'utf8'), file));
  return out;
}

const settings = (s: object): string =>
  JSON.stringify({ ...s, creationDate: 0, lastModificationDate: 0 });

/** Puts the manifests' schedules into `store`; returns how many were written and deleted. */
export async function importScheduleManifests(
  store: ScheduleStore,
  resources: readonly ScheduleResource[],
  ctx: ArnContext,
  nowMs: number,
): Promise<{ readonly written: number; readonly deleted: number }> {
  const kept = new Set<string>();
  let written = 0;
  for (const r of resources) {
    const group = r.metadata.namespace ?? DEFAULT_SCHEDULE_GROUP;
    const name = r.metadata.name ?? '';
    const before = (await store.get(group, name))?.schedule;
    let schedule;
    try {
      schedule = scheduleFromResource(r, ctx, nowMs, before);
    } catch (err) {
      throw new Error(
        `Schedule ${scheduleId(group, name)}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    kept.add(scheduleId(group, name));
    if (before !== undefined && settings(before) === settings(schedule)) continue;
    if (group !== DEFAULT_SCHEDULE_GROUP && (await store.getGroup(group)) === undefined)
      await store.putGroup({ name: group, creationDate: nowMs, lastModificationDate: nowMs });
    await store.put(schedule);
    written += 1;
  }
  let deleted = 0;
  for (const s of await store.list()) {
    if (s.origin !== 'resource' || kept.has(scheduleId(s.groupName, s.name))) continue;
    if (await store.delete(s.groupName, s.name)) deleted += 1;
  }
  return { written, deleted };
}

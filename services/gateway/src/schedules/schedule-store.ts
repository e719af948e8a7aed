/**
 * Schedules and schedule groups, shared by every gateway and scheduler runner: Redis hashes of
 * JSON under core's `scheduleKeys` (schedules by `group/name`, groups by name, the runner's
 * status by `group/name`). The `default` group always exists and is never stored.
 *
 * Invariants: deleting a schedule deletes its status; deleting a group deletes its schedules
 * first; records that do not parse are skipped, never thrown.
 */
import {
  DEFAULT_SCHEDULE_GROUP,
  type Schedule,
  type ScheduleGroup,
  scheduleId,
  type ScheduleKeys,
  type ScheduleStatus,
} from '@lamina/core';
import type { Redis } from 'ioredis';

export interface StoredSchedule {
  readonly schedule: Schedule;
  readonly status: ScheduleStatus | undefined;
}

export interface ScheduleStore {
  get(group: string, name: string): Promise<StoredSchedule | undefined>;
  list(): Promise<Schedule[]>;
  put(schedule: Schedule): Promise<void>;
  /** True when there was one. */
  delete(group: string, name: string): Promise<boolean>;
  getGroup(name: string): Promise<ScheduleGroup | undefined>;
  listGroups(): Promise<ScheduleGroup[]>;
  putGroup(group: ScheduleGroup): Promise<void>;
  /** Deletes the group's schedules, then the group; true when there was one. */
  deleteGroup(name: string): Promise<boolean>;
}

export const DEFAULT_GROUP: ScheduleGroup = {
  name: DEFAULT_SCHEDULE_GROUP,
  creationDate: 0,
  lastModificationDate: 0,
};

const parseJson = (text: string | null | undefined): unknown => {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const parseSchedule = (t: string | null | undefined) => parseJson(t) as Schedule | undefined;
const parseGroup = (t: string | null | undefined) => parseJson(t) as ScheduleGroup | undefined;
const parseStatus = (t: string | null | undefined) => parseJson(t) as ScheduleStatus | undefined;
const byName = (a: { name: string }, b: { name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

export class RedisScheduleStore implements ScheduleStore {
  constructor(
    private readonly redis: Pick<Redis, 'hget' | 'hset' | 'hdel' | 'hgetall'>,
    private readonly keys: ScheduleKeys,
  ) {}

  async get(group: string, name: string): Promise<StoredSchedule | undefined> {
    const id = scheduleId(group, name);
    const [s, st] = await Promise.all([
      this.redis.hget(this.keys.schedules, id),
      this.redis.hget(this.keys.status, id),
    ]);
    const schedule = parseSchedule(s);
    return schedule === undefined ? undefined : { schedule, status: parseStatus(st) };
  }

  async list(): Promise<Schedule[]> {
    const all = await this.redis.hgetall(this.keys.schedules);
    const out: Schedule[] = [];
    for (const text of Object.values(all)) {
      const s = parseSchedule(text);
      if (s !== undefined) out.push(s);
    }
    return out.sort((a, b) => byName(a, b) || (a.groupName < b.groupName ? -1 : 1));
  }

  async put(schedule: Schedule): Promise<void> {
    const id = scheduleId(schedule.groupName, schedule.name);
    await this.redis.hset(this.keys.schedules, id, JSON.stringify(schedule));
  }

  async delete(group: string, name: string): Promise<boolean> {
    const id = scheduleId(group, name);
    const removed = await this.redis.hdel(this.keys.schedules, id);
    await this.redis.hdel(this.keys.status, id);
    return removed > 0;
  }

  async getGroup(name: string): Promise<ScheduleGroup | undefined> {
    if (name === DEFAULT_SCHEDULE_GROUP) return DEFAULT_GROUP;
    return parseGroup(await this.redis.hget(this.keys.groups, name));
  }

  async listGroups(): Promise<ScheduleGroup[]> {
    const all = await this.redis.hgetall(this.keys.groups);
    const groups = Object.values(all)
      .map((t) => parseGroup(t))
      .filter((g): g is ScheduleGroup => g !== undefined);
    return [DEFAULT_GROUP, ...groups.sort(byName)];
  }

  async putGroup(group: ScheduleGroup): Promise<void> {
    await this.redis.hset(this.keys.groups, group.name, JSON.stringify(group));
  }

  async deleteGroup(name: string): Promise<boolean> {
    for (const s of await this.list())
      if (s.groupName === name) await this.delete(s.groupName, s.name);
    return (await this.redis.hdel(this.keys.groups, name)) > 0;
  }
}

/** In memory, for tests. */
export class MemoryScheduleStore implements ScheduleStore {
  readonly schedules = new Map<string, Schedule>();
  readonly statuses = new Map<string, ScheduleStatus>();
  readonly groups = new Map<string, ScheduleGroup>();

  get(group: string, name: string): Promise<StoredSchedule | undefined> {
    const id = scheduleId(group, name);
    const schedule = this.schedules.get(id);
    return Promise.resolve(
      schedule === undefined ? undefined : { schedule, status: this.statuses.get(id) },
    );
  }

  list(): Promise<Schedule[]> {
    return Promise.resolve([...this.schedules.values()].sort(byName));
  }

  put(schedule: Schedule): Promise<void> {
    this.schedules.set(scheduleId(schedule.groupName, schedule.name), schedule);
    return Promise.resolve();
  }

  delete(group: string, name: string): Promise<boolean> {
    const id = scheduleId(group, name);
    this.statuses.delete(id);
    return Promise.resolve(this.schedules.delete(id));
  }

  getGroup(name: string): Promise<ScheduleGroup | undefined> {
    return Promise.resolve(name === DEFAULT_SCHEDULE_GROUP ? DEFAULT_GROUP : this.groups.get(name));
  }

  listGroups(): Promise<ScheduleGroup[]> {
    return Promise.resolve([DEFAULT_GROUP, ...[...this.groups.values()].sort(byName)]);
  }

  putGroup(group: ScheduleGroup): Promise<void> {
    this.groups.set(group.name, group);
    return Promise.resolve();
  }

  deleteGroup(name: string): Promise<boolean> {
    for (const [id, s] of this.schedules) if (s.groupName === name) this.schedules.delete(id);
    return Promise.resolve(this.groups.delete(name));
  }
}

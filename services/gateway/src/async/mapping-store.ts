import type { EsmKeys, EventSourceMapping, MappingStatus } from '@lamina/core';
import type { Redis } from 'ioredis';

/** A mapping with what the poller last reported about it. */
export interface StoredMapping {
  readonly mapping: EventSourceMapping;
  readonly status: MappingStatus | undefined;
}

/**
 * Event source mappings, shared by every gateway and poller process: one Redis hash of mapping
 * JSON by UUID, one of status JSON written by the pollers (core's `esmKeys`).
 */
export interface MappingStore {
  get(uuid: string): Promise<StoredMapping | undefined>;
  list(): Promise<StoredMapping[]>;
  put(mapping: EventSourceMapping): Promise<void>;
  /** True when there was one. */
  delete(uuid: string): Promise<boolean>;
}

const parseJson = (text: string | null | undefined): unknown => {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const parseMapping = (t: string | null | undefined) =>
  parseJson(t) as EventSourceMapping | undefined;
const parseStatus = (t: string | null | undefined) => parseJson(t) as MappingStatus | undefined;

export class RedisMappingStore implements MappingStore {
  constructor(
    private readonly redis: Pick<Redis, 'hget' | 'hset' | 'hdel' | 'hgetall'>,
    private readonly keys: EsmKeys,
  ) {}

  async get(uuid: string): Promise<StoredMapping | undefined> {
    const [m, s] = await Promise.all([
      this.redis.hget(this.keys.mappings, uuid),
      this.redis.hget(this.keys.status, uuid),
    ]);
    const mapping = parseMapping(m);
    return mapping === undefined ? undefined : { mapping, status: parseStatus(s) };
  }

  async list(): Promise<StoredMapping[]> {
    const [all, statuses] = await Promise.all([
      this.redis.hgetall(this.keys.mappings),
      this.redis.hgetall(this.keys.status),
    ]);
    const out: StoredMapping[] = [];
    for (const [uuid, text] of Object.entries(all)) {
      const mapping = parseMapping(text);
      if (mapping !== undefined) out.push({ mapping, status: parseStatus(statuses[uuid]) });
    }
    return out.sort((a, b) => a.mapping.lastModified - b.mapping.lastModified);
  }

  async put(mapping: EventSourceMapping): Promise<void> {
    await this.redis.hset(this.keys.mappings, mapping.uuid, JSON.stringify(mapping));
  }

  async delete(uuid: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.keys.mappings, uuid);
    await this.redis.hdel(this.keys.status, uuid);
    return removed > 0;
  }
}

/** In memory, for tests. */
export class MemoryMappingStore implements MappingStore {
  readonly mappings = new Map<string, EventSourceMapping>();
  readonly statuses = new Map<string, MappingStatus>();

  get(uuid: string): Promise<StoredMapping | undefined> {
    const mapping = this.mappings.get(uuid);
    return Promise.resolve(
      mapping === undefined ? undefined : { mapping, status: this.statuses.get(uuid) },
    );
  }

  list(): Promise<StoredMapping[]> {
    return Promise.resolve(
      [...this.mappings.values()].map((mapping) => ({
        mapping,
        status: this.statuses.get(mapping.uuid),
      })),
    );
  }

  put(mapping: EventSourceMapping): Promise<void> {
    this.mappings.set(mapping.uuid, mapping);
    return Promise.resolve();
  }

  delete(uuid: string): Promise<boolean> {
    this.statuses.delete(uuid);
    return Promise.resolve(this.mappings.delete(uuid));
  }
}

import {
  type EventSourceMapping,
  mappingFromSpec,
  type MappingStatus,
  sameMappingSettings,
} from '@lamina/core';
import type { EventSourceMappingResource, EventSourceMappingResourceStatus } from '@lamina/kube';

/**
 * The pure half of the EventSourceMapping mirror: from the resources (the source of truth in a
 * cluster), the mappings the pollers read from Redis and the status they report there, what to
 * write where. No I/O, so every rule is tested without an API server or Redis.
 *
 * Invariants: Redis ends up holding exactly the valid resources' mappings; a mapping whose
 * settings did not change keeps its `lastModified` (the pollers restart a consumer only when it
 * changes); the first of two resources with the same UUID or consumer group (by creation, then
 * namespace/name) wins and the other is refused; status is patched only where it differs.
 */

export interface MirrorInput {
  readonly resources: readonly EventSourceMappingResource[];
  /** uuid → the mapping in Redis now (undefined: unreadable, replaced or removed). */
  readonly mirrored: ReadonlyMap<string, EventSourceMapping | undefined>;
  /** uuid → the pollers' last report. */
  readonly reports: ReadonlyMap<string, MappingStatus>;
  readonly nowMs: number;
}

export interface StatusPatch {
  readonly namespace: string;
  readonly name: string;
  /** A JSON merge patch of `status` (null clears a field). */
  readonly status: Record<string, unknown>;
}

export interface MirrorPlan {
  readonly puts: readonly EventSourceMapping[];
  readonly deletes: readonly string[];
  readonly statuses: readonly StatusPatch[];
}

type Desired = Record<
  'observedGeneration' | 'uuid' | 'state' | 'stateTransitionReason' | 'lastProcessingResult',
  unknown
>;

const created = (r: EventSourceMappingResource): string =>
  r.metadata.creationTimestamp === undefined
    ? ''
    : new Date(r.metadata.creationTimestamp).toISOString();
const qualified = (r: EventSourceMappingResource): string =>
  `${r.metadata.namespace ?? ''}/${r.metadata.name ?? ''}`;
const order = (a: EventSourceMappingResource, b: EventSourceMappingResource): number =>
  created(a).localeCompare(created(b)) || qualified(a).localeCompare(qualified(b));

function statusPatch(r: EventSourceMappingResource, desired: Desired): StatusPatch | undefined {
  const current = (r.status ?? {}) as EventSourceMappingResourceStatus & Record<string, unknown>;
  const status: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(desired))
    if ((current[key] ?? null) !== value) status[key] = value;
  if (Object.keys(status).length === 0) return undefined;
  return { namespace: r.metadata.namespace ?? '', name: r.metadata.name ?? '', status };
}

/** What to write: mappings into Redis, deletions from it, status onto the resources. */
export function planMirror(input: MirrorInput): MirrorPlan {
  const puts: EventSourceMapping[] = [];
  const statuses: StatusPatch[] = [];
  const kept = new Set<string>();
  const groups = new Map<string, string>();
  const live = input.resources
    .filter((r) => r.metadata.deletionTimestamp === undefined)
    .sort(order);
  const push = (patch: StatusPatch | undefined): void => {
    if (patch !== undefined) statuses.push(patch);
  };
  for (const r of live) {
    const name = r.metadata.name ?? '';
    const generation = r.metadata.generation ?? null;
    const refuse = (uuid: string | null, problem: string): void => {
      push(
        statusPatch(r, {
          observedGeneration: generation,
          uuid,
          state: null,
          stateTransitionReason: null,
          lastProcessingResult: `PROBLEM: ${problem}`,
        }),
      );
    };
    let mapping: EventSourceMapping;
    try {
      mapping = mappingFromSpec(name, r.spec, input.nowMs);
    } catch (err) {
      refuse(null, `invalid spec: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    // SQS mappings have no consumer group: the queue's pollers share it by design.
    const group = mapping.kind === 'sqs' ? undefined : mapping.consumerGroupId;
    if (kept.has(mapping.uuid)) {
      refuse(
        mapping.uuid,
        `the UUID ${mapping.uuid} is already used by another EventSourceMapping`,
      );
      continue;
    }
    const owner = group === undefined ? undefined : groups.get(group);
    if (owner !== undefined) {
      refuse(
        mapping.uuid,
        `the consumer group ID ${group} is already used by event source mapping ${owner}`,
      );
      continue;
    }
    kept.add(mapping.uuid);
    if (group !== undefined) groups.set(group, mapping.uuid);
    const before = input.mirrored.get(mapping.uuid);
    if (before === undefined || !sameMappingSettings(before, mapping)) puts.push(mapping);
    else mapping = before;
    const report = input.reports.get(mapping.uuid);
    push(
      statusPatch(r, {
        observedGeneration: generation,
        uuid: mapping.uuid,
        state: report?.state ?? 'Creating',
        stateTransitionReason: report?.stateTransitionReason ?? 'USER_INITIATED',
        lastProcessingResult: report?.lastProcessingResult ?? 'No records processed',
      }),
    );
  }
  const deletes = [...input.mirrored.keys()].filter((uuid) => !kept.has(uuid));
  return { puts, deletes, statuses };
}

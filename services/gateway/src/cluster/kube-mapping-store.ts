/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are data-only classes; its API takes plain object literals. */
import {
  API_VERSION,
  type EventSourceMapping,
  type MappingState,
  type MappingStatus,
  mappingFromSpec,
  mappingUuidOf,
  specOfMapping,
} from '@lamina/core';
import {
  type EventSourceMappingResource,
  type KubeLogger,
  PLURALS,
  type RestartingInformer,
} from '@lamina/kube';

import { waitForCache } from './cache-wait.js';
import type { CustomObjects } from './custom-objects.js';
import { isAlreadyExists, isNotFound, toLambdaError } from './kube-errors.js';
import type { MappingStore, StoredMapping } from '../async/mapping-store.js';

export interface KubeMappingStoreOptions {
  readonly namespace: string;
  /** Informer on `eventsourcemappings` in the namespace; the store starts and stops it. */
  readonly informer: RestartingInformer<EventSourceMappingResource>;
  readonly objects: CustomObjects;
  readonly logger: KubeLogger;
  readonly syncTimeoutMs?: number;
}

/** Set at creation (the CRD refuses changes); an update never sends them. */
const CREATE_ONLY = [
  'eventSourceArn',
  'topics',
  'bootstrapServers',
  'startingPosition',
  'startingPositionTimestamp',
  'consumerGroupId',
] as const;
/** Optional fields an update may clear: a merge patch clears with null. */
const CLEARABLE = [
  'functionResponseTypes',
  'destinationConfig',
  'sourceAccessConfigurations',
  'scalingConfig',
];
const STATES: readonly string[] = ['Creating', 'Enabled', 'Disabled', 'Updating', 'Deleting'];

const notFound = (uuid: string): string =>
  `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${uuid})`;

const epochMs = (t: Date | string | undefined): number =>
  t === undefined ? 0 : new Date(t).getTime() || 0;

/** Last change of spec or metadata (managed fields, not status), else creation; epoch ms. */
export function lastModifiedOf(r: EventSourceMappingResource): number {
  let latest = 0;
  for (const f of r.metadata.managedFields ?? [])
    if (f.subresource !== 'status') latest = Math.max(latest, epochMs(f.time));
  return latest > 0 ? latest : epochMs(r.metadata.creationTimestamp);
}

/** What the operator wrote back from the pollers' reports; undefined before the first. */
export function statusOf(r: EventSourceMappingResource): MappingStatus | undefined {
  const s = r.status;
  if (s?.state === undefined || !STATES.includes(s.state)) return undefined;
  return {
    state: s.state as MappingState,
    stateTransitionReason: s.stateTransitionReason ?? 'USER_INITIATED',
    lastProcessingResult: s.lastProcessingResult ?? 'No records processed',
  };
}

/**
 * MappingStore on `EventSourceMapping` custom resources (cluster mode): the resources are the
 * source of truth, whether the Lambda API or kubectl wrote them; the operator mirrors them into
 * the Redis store the pollers read and writes the pollers' reports back into their status.
 *
 * Invariants: a mapping's UUID is `mappingUuidOf(metadata.name)`, and the API names the
 * resources it creates by their UUID; reads come from the informer's memory; a write returns
 * once the watch has brought it back, so a read right after it sees it; a resource being
 * deleted, or whose spec Lambda's validation refuses, is not listed.
 */
export class KubeMappingStore implements MappingStore {
  private closing: Promise<void> | undefined;
  /** `name@resourceVersion` of refused specs, so each is logged once. */
  private readonly refused = new Set<string>();

  constructor(private readonly o: KubeMappingStoreOptions) {}

  /** Lists and starts watching; resolves once the cache is filled. */
  async start(): Promise<void> {
    await this.o.informer.start().catch(() => undefined);
    await this.o.informer.waitForSync(this.o.syncTimeoutMs ?? 60_000);
  }

  private live(): EventSourceMappingResource[] {
    return this.o.informer
      .list(this.o.namespace)
      .filter((r) => r.metadata.deletionTimestamp === undefined);
  }

  private resource(uuid: string): EventSourceMappingResource | undefined {
    return this.live().find((r) => mappingUuidOf(r.metadata.name ?? '') === uuid);
  }

  private stored(r: EventSourceMappingResource): StoredMapping | undefined {
    const name = r.metadata.name ?? '';
    try {
      const mapping = mappingFromSpec(name, r.spec, lastModifiedOf(r));
      return { mapping, status: statusOf(r) };
    } catch (err) {
      const key = `${name}@${r.metadata.resourceVersion ?? ''}`;
      if (!this.refused.has(key))
        this.o.logger.warn({ err, mapping: name }, 'EventSourceMapping refused; not listed');
      this.refused.add(key);
      return undefined;
    }
  }

  get(uuid: string): Promise<StoredMapping | undefined> {
    const r = this.resource(uuid);
    return Promise.resolve(r === undefined ? undefined : this.stored(r));
  }

  list(): Promise<StoredMapping[]> {
    const all = this.live()
      .map((r) => this.stored(r))
      .filter((s) => s !== undefined);
    return Promise.resolve(all.sort((a, b) => a.mapping.lastModified - b.mapping.lastModified));
  }

  async put(mapping: EventSourceMapping): Promise<void> {
    const spec = specOfMapping(mapping);
    const errors = {
      notFound: notFound(mapping.uuid),
      alreadyExists: `The event source mapping ${mapping.uuid} already exists.`,
    };
    try {
      const current = this.resource(mapping.uuid);
      if (current === undefined) {
        const body: EventSourceMappingResource = {
          apiVersion: API_VERSION,
          kind: 'EventSourceMapping',
          metadata: { name: mapping.uuid, namespace: this.o.namespace },
          spec: spec as EventSourceMappingResource['spec'],
        };
        try {
          const created = await this.o.objects.create(PLURALS.EventSourceMapping, body);
          await this.seen(mapping.uuid, created.metadata.resourceVersion);
          return;
        } catch (err) {
          // Created meanwhile, not in the cache yet: the update below applies.
          if (!isAlreadyExists(err)) throw err;
        }
      }
      const change: Record<string, unknown> = { ...spec };
      for (const key of CREATE_ONLY) Reflect.deleteProperty(change, key);
      for (const key of CLEARABLE) change[key] ??= null;
      const stored = await this.o.objects.mergePatch<EventSourceMappingResource>(
        PLURALS.EventSourceMapping,
        current?.metadata.name ?? mapping.uuid,
        { spec: change },
      );
      await this.seen(mapping.uuid, stored.metadata.resourceVersion);
    } catch (err) {
      throw toLambdaError(err, errors);
    }
  }

  async delete(uuid: string): Promise<boolean> {
    const current = this.resource(uuid);
    if (current === undefined) return false;
    try {
      await this.o.objects.delete(PLURALS.EventSourceMapping, current.metadata.name ?? uuid);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw toLambdaError(err, { notFound: notFound(uuid), alreadyExists: notFound(uuid) });
    }
    await waitForCache(() => this.resource(uuid) === undefined);
    return true;
  }

  /** Waits until the cache holds the mapping at `resourceVersion` (or has moved past it). */
  private async seen(uuid: string, resourceVersion: string | undefined): Promise<void> {
    const ok = await waitForCache(() => {
      const rv = this.resource(uuid)?.metadata.resourceVersion;
      return (
        rv !== undefined &&
        (resourceVersion === undefined ||
          rv === resourceVersion ||
          Number(rv) > Number(resourceVersion))
      );
    });
    if (!ok) this.o.logger.warn({ mapping: uuid }, 'the informer has not seen our write yet');
  }

  close(): Promise<void> {
    this.closing ??= this.o.informer.stop();
    return this.closing;
  }
}

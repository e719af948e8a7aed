/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are data-only classes; its API takes plain object literals. */
/**
 * LayerStore on `LayerVersion` custom resources (cluster mode, ADR 0020): one resource per
 * published version, named `<slug of the layer name>-<8 hex of its SHA-256>-<version>` (a
 * Kubernetes name is lower case; a layer name need not be). Reads come from the informer's
 * memory; writes go to the API server and return once the watch has brought them back.
 *
 * Invariants:
 * - A version number is never given out twice: DeleteLayerVersion labels the resource
 *   `lamina.dev/deleted` (a tombstone, not listed) instead of removing it, and numbering counts
 *   tombstones. Two gateway replicas publishing at once race on the deterministic name: the
 *   loser's create answers AlreadyExists and it takes the next number.
 * - The spec never changes after creation (the CRD's CEL rule refuses it).
 */
import { createHash } from 'node:crypto';

import { type LayerStore, type LayerVersionRecord, ServiceException } from '@lamina/core';
import {
  API_VERSION,
  type KubeLogger,
  LABELS,
  type LayerVersionResource,
  PLURALS,
  type RestartingInformer,
} from '@lamina/kube';

import { waitForCache } from './cache-wait.js';
import type { CustomObjects } from './custom-objects.js';
import { GATEWAY_MANAGER, base64ToHex, hexToBase64 } from './function-mapping.js';
import { isAlreadyExists, isNotFound, toLambdaError } from './kube-errors.js';

export interface KubeLayerStoreOptions {
  readonly namespace: string;
  /** Informer on `layerversions` in the namespace; the store starts and stops it. */
  readonly informer: RestartingInformer<LayerVersionResource>;
  readonly objects: CustomObjects;
  readonly logger: KubeLogger;
  readonly syncTimeoutMs?: number;
  /** Creates that lost a numbering race, tried again with the next number; default 5. */
  readonly maxAttempts?: number;
}

/** The resource name of version `version` of `layerName`. */
export function layerResourceName(layerName: string, version: number): string {
  const slug = layerName
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const hash = createHash('sha256').update(layerName).digest('hex').slice(0, 8);
  return `${slug === '' ? 'layer' : slug}-${hash}-${String(version)}`;
}

export function toLayerRecord(r: LayerVersionResource): LayerVersionRecord {
  const s = r.spec;
  return {
    layerName: s.layerName,
    version: s.version,
    description: s.description ?? '',
    createdDate: s.createdDate,
    compatibleRuntimes: [...(s.compatibleRuntimes ?? [])],
    compatibleArchitectures: [...(s.compatibleArchitectures ?? [])],
    ...(s.licenseInfo === undefined ? {} : { licenseInfo: s.licenseInfo }),
    sha256: hexToBase64(s.sha256),
    size: s.size,
  };
}

function toResource(r: LayerVersionRecord, namespace: string): LayerVersionResource {
  return {
    apiVersion: API_VERSION,
    kind: 'LayerVersion',
    metadata: {
      name: layerResourceName(r.layerName, r.version),
      namespace,
      labels: { [LABELS.partOf]: 'lamina', [LABELS.managedBy]: GATEWAY_MANAGER },
    },
    spec: {
      layerName: r.layerName,
      version: r.version,
      ...(r.description === '' ? {} : { description: r.description }),
      createdDate: r.createdDate,
      compatibleRuntimes: [...r.compatibleRuntimes],
      compatibleArchitectures: [
        ...r.compatibleArchitectures,
      ] as LayerVersionResource['spec']['compatibleArchitectures'],
      ...(r.licenseInfo === undefined ? {} : { licenseInfo: r.licenseInfo }),
      sha256: base64ToHex(r.sha256),
      size: r.size,
    },
  };
}

const isTombstone = (r: LayerVersionResource): boolean =>
  r.metadata.labels?.[LABELS.deleted] !== undefined || r.metadata.deletionTimestamp !== undefined;

const byNameThenVersion = (a: LayerVersionRecord, b: LayerVersionRecord): number =>
  a.layerName < b.layerName ? -1 : a.layerName > b.layerName ? 1 : a.version - b.version;

export class KubeLayerStore implements LayerStore {
  private readonly listeners = new Set<(layerName: string) => void>();
  private closing: Promise<void> | undefined;

  constructor(private readonly o: KubeLayerStoreOptions) {
    const emit = (r: LayerVersionResource): void => {
      for (const l of this.listeners) l(r.spec.layerName);
    };
    o.informer.on('add', emit);
    o.informer.on('update', emit);
    o.informer.on('delete', emit);
  }

  /** Lists and starts watching; resolves once the cache is filled. */
  async start(): Promise<void> {
    await this.o.informer.start().catch(() => undefined);
    await this.o.informer.waitForSync(this.o.syncTimeoutMs ?? 60_000);
  }

  private all(): readonly LayerVersionResource[] {
    return this.o.informer.list(this.o.namespace);
  }

  private resource(layerName: string, version: number): LayerVersionResource | undefined {
    const r = this.o.informer.get(layerResourceName(layerName, version), this.o.namespace);
    return r?.spec.layerName === layerName && !isTombstone(r) ? r : undefined;
  }

  get(layerName: string, version: number): LayerVersionRecord | undefined {
    const r = this.resource(layerName, version);
    return r === undefined ? undefined : toLayerRecord(r);
  }

  list(layerName?: string): readonly LayerVersionRecord[] {
    return this.all()
      .filter((r) => !isTombstone(r) && (layerName === undefined || r.spec.layerName === layerName))
      .map(toLayerRecord)
      .sort(byNameThenVersion);
  }

  async publish(
    layerName: string,
    make: (version: number) => LayerVersionRecord,
  ): Promise<LayerVersionRecord> {
    let next =
      Math.max(
        0,
        ...this.all()
          .filter((r) => r.spec.layerName === layerName)
          .map((r) => r.spec.version),
      ) + 1;
    const errors = { notFound: 'The layer was not found.', alreadyExists: 'Try again.' };
    for (let attempt = 0; attempt < (this.o.maxAttempts ?? 5); attempt++, next++) {
      const record = make(next);
      try {
        const created = await this.o.objects.create(
          PLURALS.LayerVersion,
          toResource(record, this.o.namespace),
        );
        await this.seen(created);
        return record;
      } catch (err) {
        // Another replica took this number (or a tombstone has it): take the next one.
        if (!isAlreadyExists(err)) throw toLambdaError(err, errors);
      }
    }
    throw new ServiceException(`Could not number a new version of layer ${layerName}; try again.`);
  }

  async delete(layerName: string, version: number): Promise<void> {
    const r = this.resource(layerName, version);
    if (r === undefined) return;
    const name = r.metadata.name ?? layerResourceName(layerName, version);
    try {
      await this.o.objects.mergePatch(PLURALS.LayerVersion, name, {
        metadata: { labels: { [LABELS.deleted]: 'true' } },
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw toLambdaError(err, { notFound: '', alreadyExists: '' });
    }
    await waitForCache(() => this.resource(layerName, version) === undefined);
  }

  onChange(listener: (layerName: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): Promise<void> {
    this.closing ??= this.o.informer.stop();
    return this.closing;
  }

  private async seen(created: LayerVersionResource): Promise<void> {
    const name = created.metadata.name ?? '';
    const ok = await waitForCache(() => this.o.informer.get(name, this.o.namespace) !== undefined);
    if (!ok) this.o.logger.warn({ layer: name }, 'the informer has not seen our write yet');
  }
}

/**
 * Layer versions (core's LayerStore) in memory, optionally kept in one JSON file (local mode:
 * `<stateDir>/layers.json`), so a restarted `lamina dev` knows the same layers. The zips
 * themselves are in the content-addressed code store; this holds only the metadata.
 *
 * Invariants:
 * - Reads are served from memory; every write replaces the file atomically with the whole state
 *   (versions and, per layer name, the highest number ever given out), and writes are
 *   serialised, so the file never holds an older state than a later write.
 * - A number is never given out twice for a layer name, even after every version was deleted.
 * - One process owns the file (the local gateway); a file that cannot be parsed is logged and
 *   ignored rather than fatal.
 */
import type { LayerStore, LayerVersionRecord } from '@lamina/core';
import type { Logger } from 'pino';

import { JsonStateFile } from '../local/json-state-file.js';

export interface LayerVersionStoreOptions {
  /** Where the layers persist; absent: memory only. */
  readonly file?: string;
  readonly logger?: Pick<Logger, 'warn'>;
}

interface FileState {
  readonly highest: Record<string, number>;
  readonly versions: LayerVersionRecord[];
}

const keyOf = (name: string, version: number): string => `${name}\0${String(version)}`;

const isRecord = (v: unknown): v is LayerVersionRecord => {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r['layerName'] === 'string' &&
    typeof r['version'] === 'number' &&
    typeof r['sha256'] === 'string' &&
    typeof r['size'] === 'number' &&
    Array.isArray(r['compatibleRuntimes']) &&
    Array.isArray(r['compatibleArchitectures'])
  );
};

const byNameThenVersion = (a: LayerVersionRecord, b: LayerVersionRecord): number =>
  a.layerName < b.layerName ? -1 : a.layerName > b.layerName ? 1 : a.version - b.version;

export class LayerVersionStore implements LayerStore {
  private readonly records = new Map<string, LayerVersionRecord>();
  private readonly highest = new Map<string, number>();
  private readonly listeners = new Set<(layerName: string) => void>();
  private readonly file: JsonStateFile;

  constructor(opts: LayerVersionStoreOptions = {}) {
    this.file = new JsonStateFile(opts.file, 'layers', opts.logger);
  }

  /** Loads the file, if any. */
  async start(): Promise<void> {
    const loaded = await this.file.load();
    if (typeof loaded !== 'object' || loaded === null) return;
    const parsed = loaded as Partial<FileState>;
    for (const [name, n] of Object.entries(parsed.highest ?? {})) {
      if (typeof n === 'number') this.highest.set(name, n);
    }
    for (const r of Array.isArray(parsed.versions) ? parsed.versions : []) {
      if (!isRecord(r)) continue;
      this.records.set(keyOf(r.layerName, r.version), r);
      this.highest.set(r.layerName, Math.max(this.highest.get(r.layerName) ?? 0, r.version));
    }
  }

  get(layerName: string, version: number): LayerVersionRecord | undefined {
    return this.records.get(keyOf(layerName, version));
  }

  list(layerName?: string): readonly LayerVersionRecord[] {
    const all = [...this.records.values()];
    return (layerName === undefined ? all : all.filter((r) => r.layerName === layerName)).sort(
      byNameThenVersion,
    );
  }

  async publish(
    layerName: string,
    make: (version: number) => LayerVersionRecord,
  ): Promise<LayerVersionRecord> {
    // Numbering is synchronous, so no two publishes get one number; saves keep their order.
    const version = (this.highest.get(layerName) ?? 0) + 1;
    const record = make(version);
    this.highest.set(layerName, version);
    this.records.set(keyOf(layerName, version), record);
    await this.persist();
    this.emit(layerName);
    return record;
  }

  async delete(layerName: string, version: number): Promise<void> {
    if (!this.records.delete(keyOf(layerName, version))) return;
    await this.persist();
    this.emit(layerName);
  }

  onChange(listener: (layerName: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.file.settled();
  }

  private persist(): Promise<void> {
    const state: FileState = {
      highest: Object.fromEntries(this.highest),
      versions: this.list() as LayerVersionRecord[],
    };
    return this.file.save(state);
  }

  private emit(layerName: string): void {
    for (const l of this.listeners) l(layerName);
  }
}

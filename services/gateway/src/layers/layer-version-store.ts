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
import { readFile } from 'node:fs/promises';

import type { LayerStore, LayerVersionRecord } from '@lamina/core';
import type { Logger } from 'pino';

import { writeFileAtomic } from '../code/atomic-write.js';

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
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LayerVersionStoreOptions = {}) {}

  /** Loads the file, if any. */
  async start(): Promise<void> {
    if (this.opts.file === undefined) return;
    let text: string;
    try {
      text = await readFile(this.opts.file, 'utf8');
    } catch {
      return;
    }
    try {
      const parsed = JSON.parse(text) as Partial<FileState>;
      for (const [name, n] of Object.entries(parsed.highest ?? {})) {
        if (typeof n === 'number') this.highest.set(name, n);
      }
      for (const r of Array.isArray(parsed.versions) ? parsed.versions : []) {
        if (!isRecord(r)) continue;
        this.records.set(keyOf(r.layerName, r.version), r);
        this.highest.set(r.layerName, Math.max(this.highest.get(r.layerName) ?? 0, r.version));
      }
    } catch (err) {
      this.opts.logger?.warn({ err, file: this.opts.file }, 'ignoring unreadable layers file');
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
    // Numbering and the write take turns with other writes: no two publishes get one number.
    const run = this.writing.then(async () => {
      const version = (this.highest.get(layerName) ?? 0) + 1;
      const record = make(version);
      this.highest.set(layerName, version);
      this.records.set(keyOf(layerName, version), record);
      await this.persist();
      return record;
    });
    this.writing = run.then(
      () => undefined,
      () => undefined,
    );
    const record = await run;
    this.emit(layerName);
    return record;
  }

  async delete(layerName: string, version: number): Promise<void> {
    const run = this.writing.then(async () => {
      if (!this.records.delete(keyOf(layerName, version))) return false;
      await this.persist();
      return true;
    });
    this.writing = run.then(
      () => undefined,
      () => undefined,
    );
    if (await run) this.emit(layerName);
  }

  onChange(listener: (layerName: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.writing;
  }

  private async persist(): Promise<void> {
    if (this.opts.file === undefined) return;
    const state: FileState = {
      highest: Object.fromEntries(this.highest),
      versions: this.list() as LayerVersionRecord[],
    };
    await writeFileAtomic(this.opts.file, `${JSON.stringify(state, null, 2)}\n`);
  }

  private emit(layerName: string): void {
    for (const l of this.listeners) l(layerName);
  }
}

/**
 * Provisioned concurrency configs (core's ProvisionedConcurrencyStore) in memory, optionally kept
 * in one JSON file (local mode: `<stateDir>/provisioned-concurrency.json`), so a restarted
 * `lamina dev` provisions the same environments again.
 *
 * Invariants: reads are served from memory; every write replaces the file atomically with the
 * whole set, writes are serialised (the file never holds an older set than a later write);
 * a file that cannot be parsed is logged and ignored (start with no configs) rather than fatal.
 */
import {
  provisionedConfigNotFound,
  type ProvisionedConcurrencyRecord,
  type ProvisionedConcurrencyStore,
} from '@lamina/core';
import type { Logger } from 'pino';

import { JsonStateFile } from '../local/json-state-file.js';

export interface ProvisionedConfigStoreOptions {
  /** Where the configs persist; absent: memory only. */
  readonly file?: string;
  readonly logger?: Pick<Logger, 'warn'>;
}

const keyOf = (fn: string, qualifier: string): string => `${fn}\0${qualifier}`;

const isRecord = (v: unknown): v is ProvisionedConcurrencyRecord => {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r['functionName'] === 'string' &&
    typeof r['qualifier'] === 'string' &&
    typeof r['requested'] === 'number' &&
    typeof r['lastModified'] === 'string'
  );
};

export class ProvisionedConfigStore implements ProvisionedConcurrencyStore {
  private readonly records = new Map<string, ProvisionedConcurrencyRecord>();
  private readonly file: JsonStateFile;

  constructor(options: ProvisionedConfigStoreOptions = {}) {
    this.file = new JsonStateFile(options.file, 'provisioned concurrency configs', options.logger);
  }

  /** Loads the file, if any. */
  async start(): Promise<void> {
    const parsed = await this.file.load();
    for (const r of Array.isArray(parsed) ? (parsed as unknown[]) : []) {
      if (isRecord(r)) this.records.set(keyOf(r.functionName, r.qualifier), r);
    }
  }

  get(functionName: string, qualifier: string): ProvisionedConcurrencyRecord | undefined {
    return this.records.get(keyOf(functionName, qualifier));
  }

  list(functionName: string): readonly ProvisionedConcurrencyRecord[] {
    return this.all()
      .filter((r) => r.functionName === functionName)
      .sort((a, b) => (a.qualifier < b.qualifier ? -1 : a.qualifier > b.qualifier ? 1 : 0));
  }

  all(): readonly ProvisionedConcurrencyRecord[] {
    return [...this.records.values()];
  }

  put(record: ProvisionedConcurrencyRecord): Promise<void> {
    this.records.set(keyOf(record.functionName, record.qualifier), record);
    return this.persist();
  }

  async delete(functionName: string, qualifier: string): Promise<void> {
    if (!this.records.delete(keyOf(functionName, qualifier))) throw provisionedConfigNotFound();
    await this.persist();
  }

  deleteFunction(functionName: string): Promise<void> {
    const before = this.records.size;
    for (const r of this.list(functionName))
      this.records.delete(keyOf(r.functionName, r.qualifier));
    return this.records.size === before ? Promise.resolve() : this.persist();
  }

  private persist(): Promise<void> {
    return this.file.save(this.all());
  }
}

/**
 * Function URL records (core's FunctionUrlStore) in memory, optionally kept in one JSON file
 * (local mode: `<stateDir>/function-urls.json`), so a restarted `lamina dev` answers the same
 * URLs on the same ports.
 *
 * Invariants: reads are served from memory; every write replaces the file atomically with the
 * whole set, writes are serialised; an unreadable file is logged and ignored (no URLs), never
 * fatal.
 */
import type { FunctionUrlRecord, FunctionUrlStore } from '@lamina/core';
import type { Logger } from 'pino';

import { JsonStateFile } from '../local/json-state-file.js';

export interface UrlStoreOptions {
  /** Where the records persist; absent: memory only. */
  readonly file?: string;
  readonly logger?: Pick<Logger, 'warn'>;
}

const keyOf = (fn: string, qualifier: string | undefined): string => `${fn}\0${qualifier ?? ''}`;

const isRecord = (v: unknown): v is FunctionUrlRecord => {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r['urlId'] === 'string' &&
    typeof r['functionName'] === 'string' &&
    typeof r['authType'] === 'string' &&
    typeof r['invokeMode'] === 'string' &&
    typeof r['creationTime'] === 'string'
  );
};

/** The unqualified URL first, then by alias name. */
export const byQualifier = (a: FunctionUrlRecord, b: FunctionUrlRecord): number => {
  const qa = a.qualifier ?? '';
  const qb = b.qualifier ?? '';
  return qa < qb ? -1 : qa > qb ? 1 : 0;
};

export class FileUrlStore implements FunctionUrlStore {
  private readonly records = new Map<string, FunctionUrlRecord>();
  private readonly file: JsonStateFile;

  constructor(options: UrlStoreOptions = {}) {
    this.file = new JsonStateFile(options.file, 'function URLs', options.logger);
  }

  /** Loads the file, if any. */
  async start(): Promise<void> {
    const parsed = await this.file.load();
    for (const r of Array.isArray(parsed) ? (parsed as unknown[]) : []) {
      if (isRecord(r)) this.records.set(keyOf(r.functionName, r.qualifier), r);
    }
  }

  get(functionName: string, qualifier: string | undefined): Promise<FunctionUrlRecord | undefined> {
    return Promise.resolve(this.records.get(keyOf(functionName, qualifier)));
  }

  byId(urlId: string): Promise<FunctionUrlRecord | undefined> {
    return Promise.resolve([...this.records.values()].find((r) => r.urlId === urlId));
  }

  list(functionName: string): Promise<readonly FunctionUrlRecord[]> {
    const mine = [...this.records.values()].filter((r) => r.functionName === functionName);
    return Promise.resolve(mine.sort(byQualifier));
  }

  all(): Promise<readonly FunctionUrlRecord[]> {
    return Promise.resolve([...this.records.values()]);
  }

  put(record: FunctionUrlRecord): Promise<void> {
    this.records.set(keyOf(record.functionName, record.qualifier), record);
    return this.persist();
  }

  async delete(
    functionName: string,
    qualifier: string | undefined,
  ): Promise<FunctionUrlRecord | undefined> {
    const key = keyOf(functionName, qualifier);
    const record = this.records.get(key);
    if (record === undefined) return undefined;
    this.records.delete(key);
    await this.persist();
    return record;
  }

  private persist(): Promise<void> {
    return this.file.save([...this.records.values()]);
  }
}

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { FunctionRecord } from '@lamina/core';

import { createFileExclusive, removeFile, writeFileAtomic } from '../code/atomic-write.js';
import type { EnvSealer } from './env-sealer.js';
import { fingerprintOf, readFileVersion } from './file-version.js';

/** A record file as read from disk: the record, or why the file could not be used. */
export type StoredRecord =
  | { readonly fingerprint: string; readonly record: FunctionRecord }
  | { readonly fingerprint: string; readonly problem: string };

const FILE = /^([a-zA-Z0-9_-]{1,64})\.json$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A structural check of a parsed record file; undefined when it looks right. */
function problemOf(value: unknown, name: string): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  const { spec, code } = value;
  if (!isObject(spec) || spec['name'] !== name) return `spec.name is not ${name}`;
  if (typeof spec['runtime'] !== 'string' || typeof spec['handler'] !== 'string') {
    return 'spec.runtime or spec.handler missing';
  }
  if (
    !isObject(code) ||
    typeof code['sha256'] !== 'string' ||
    typeof code['size'] !== 'number' ||
    typeof code['location'] !== 'string'
  ) {
    return 'code must have sha256, size and location';
  }
  for (const key of ['lastModified', 'revisionId', 'state', 'lastUpdateStatus'] as const) {
    if (typeof value[key] !== 'string') return `${key} missing`;
  }
  if (!isObject(value['tags'])) return 'tags missing';
  return undefined;
}

/**
 * The folder of function records the management API writes: one `<name>.json` per function.
 * Files appear and change atomically (temp + rename), creation is exclusive across processes.
 */
export class ApiRecordDir {
  /** With a sealer, environments are written sealed (env-sealer.ts) and opened on read. */
  constructor(
    readonly dir: string,
    private readonly sealer?: EnvSealer,
  ) {}

  pathOf(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  /** Names of the record files present (temp files and others are ignored). */
  async names(): Promise<string[]> {
    const entries = await readdir(this.dir);
    return entries.flatMap((file) => {
      const m = FILE.exec(file);
      return m?.[1] === undefined ? [] : [m[1]];
    });
  }

  async read(name: string): Promise<StoredRecord | undefined> {
    const version = await readFileVersion(this.pathOf(name));
    if (version === undefined) return undefined;
    const { fingerprint } = version;
    let value: unknown;
    try {
      value = JSON.parse(version.text);
    } catch (err) {
      return { fingerprint, problem: `invalid JSON: ${(err as Error).message}` };
    }
    try {
      if (this.sealer !== undefined) value = this.sealer.openRecord(value, name);
    } catch (err) {
      return { fingerprint, problem: (err as Error).message };
    }
    const problem = problemOf(value, name);
    if (problem !== undefined) return { fingerprint, problem };
    return { fingerprint, record: { ...(value as FunctionRecord), source: 'api' } };
  }

  /** Writes a new record; undefined when a file for that name exists already. */
  async create(record: FunctionRecord): Promise<string | undefined> {
    const stats = await createFileExclusive(this.pathOf(record.spec.name), this.serialize(record));
    return stats === undefined ? undefined : fingerprintOf(stats);
  }

  async replace(record: FunctionRecord): Promise<string> {
    return fingerprintOf(
      await writeFileAtomic(this.pathOf(record.spec.name), this.serialize(record)),
    );
  }

  /** False when there was nothing to remove. */
  remove(name: string): Promise<boolean> {
    return removeFile(this.pathOf(name));
  }

  private serialize(record: FunctionRecord): string {
    const stored =
      this.sealer === undefined ? record : this.sealer.sealRecord(record, record.spec.name);
    return `${JSON.stringify(stored, null, 2)}\n`;
  }
}

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { CodeStore, FunctionRecord } from '@lamina/core';

import type { ApiRecordDir } from './api-record-dir.js';
import { readFileVersion, statFingerprint } from './file-version.js';
import { loadManifestFile } from './manifest-loader.js';
import type { StoreLogger } from './store-logger.js';

export interface DefinitionCacheOptions {
  readonly api: ApiRecordDir;
  readonly manifestsDir?: string;
  readonly codeStore: CodeStore;
  readonly supportedRuntimes: readonly string[];
  readonly logger: StoreLogger;
}

/** A function as the store serves it, with the manifest file that defines it (if any). */
export interface Definition {
  readonly record: FunctionRecord;
  /** Undefined for records written by the management API. */
  readonly file: string | undefined;
}

interface ApiEntry {
  /** Undefined marks a record this process deleted (a tombstone until a scan confirms it). */
  readonly fingerprint: string | undefined;
  readonly record: FunctionRecord | undefined;
  /** Set by this process's own writes so a scan that started before them can't undo them. */
  readonly gen: number;
}

interface ManifestEntry {
  readonly fingerprint: string;
  readonly records: readonly FunctionRecord[];
}

const MANIFEST_FILE = /^[^.].*\.ya?ml$/;

/**
 * What is on disk, per file: API record files and manifest files, each re-read only when its
 * fingerprint changes. `definitions()` merges both into one view by function name.
 */
export class DefinitionCache {
  private readonly apiEntries = new Map<string, ApiEntry>();
  private readonly manifestEntries = new Map<string, ManifestEntry>();
  private gen = 0;

  constructor(private readonly options: DefinitionCacheOptions) {}

  /** Re-reads changed files; true when anything changed. */
  async scan(): Promise<boolean> {
    const startGen = this.gen;
    const api = await this.scanApi(startGen);
    const manifests = await this.scanManifests();
    return api || manifests;
  }

  /** Records this process's own write (or deletion, with `record` undefined). */
  setApi(name: string, fingerprint: string | undefined, record: FunctionRecord | undefined): void {
    this.gen += 1;
    this.apiEntries.set(name, { fingerprint, record, gen: this.gen });
  }

  /** The merged view. A manifest wins over an API record of the same name (and is logged). */
  definitions(): Map<string, Definition> {
    const out = new Map<string, Definition>();
    for (const [name, entry] of this.apiEntries) {
      if (entry.record !== undefined) out.set(name, { record: entry.record, file: undefined });
    }
    const files = [...this.manifestEntries.keys()].sort();
    for (const file of files) {
      for (const record of this.manifestEntries.get(file)?.records ?? []) {
        const name = record.spec.name;
        const other = out.get(name);
        if (other?.file !== undefined) {
          this.options.logger.warn(
            { function: name, file, definedBy: other.file },
            `function ${name} of ${file} is already defined by ${other.file}; ignoring it`,
          );
          continue;
        }
        if (other !== undefined) {
          this.options.logger.warn(
            { function: name, file, shadowed: this.options.api.pathOf(name) },
            `manifest ${file} defines ${name}, which the API also created; the manifest wins`,
          );
        }
        out.set(name, { record, file });
      }
    }
    return out;
  }

  private async scanApi(startGen: number): Promise<boolean> {
    const { api, logger } = this.options;
    let names: Set<string>;
    try {
      names = new Set(await api.names());
    } catch (err) {
      logger.error({ dir: api.dir, err }, 'cannot list function records');
      return false;
    }
    let changed = false;
    for (const name of names) {
      try {
        changed = (await this.scanApiFile(name, startGen)) || changed;
      } catch (err) {
        logger.error({ file: api.pathOf(name), err }, `cannot read ${api.pathOf(name)}`);
      }
    }
    for (const [name, entry] of this.apiEntries) {
      if (!names.has(name) && entry.gen <= startGen) {
        this.apiEntries.delete(name);
        changed ||= entry.record !== undefined;
      }
    }
    return changed;
  }

  private async scanApiFile(name: string, startGen: number): Promise<boolean> {
    const { api, logger } = this.options;
    const known = this.apiEntries.get(name);
    if (known !== undefined && known.gen > startGen) return false;
    if (known?.fingerprint === (await statFingerprint(api.pathOf(name)))) return false;
    const stored = await api.read(name);
    if (stored === undefined) return false; // removed since listed; the next scan drops it
    if ((this.apiEntries.get(name)?.gen ?? 0) > startGen) return false; // written meanwhile
    if ('problem' in stored) {
      logger.error(
        { file: api.pathOf(name), problem: stored.problem },
        `skipping function record file ${api.pathOf(name)}: ${stored.problem}`,
      );
    }
    const record = 'record' in stored ? stored.record : undefined;
    this.apiEntries.set(name, { fingerprint: stored.fingerprint, record, gen: 0 });
    return true;
  }

  private async scanManifests(): Promise<boolean> {
    const { manifestsDir, logger } = this.options;
    if (manifestsDir === undefined) return false;
    let files: string[];
    try {
      files = (await readdir(manifestsDir))
        .filter((f) => MANIFEST_FILE.test(f))
        .map((f) => join(manifestsDir, f));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') logger.warn({ dir: manifestsDir, err }, 'cannot list manifests');
      files = [];
    }
    let changed = false;
    for (const file of files) {
      try {
        changed = (await this.scanManifest(file)) || changed;
      } catch (err) {
        logger.error({ file, err }, `cannot read manifest ${file}`);
      }
    }
    const present = new Set(files);
    for (const file of this.manifestEntries.keys()) {
      if (!present.has(file)) {
        this.manifestEntries.delete(file);
        changed = true;
      }
    }
    return changed;
  }

  private async scanManifest(file: string): Promise<boolean> {
    const known = this.manifestEntries.get(file);
    if (known !== undefined && known.fingerprint === (await statFingerprint(file))) return false;
    const version = await readFileVersion(file);
    if (version === undefined) return false;
    const records = await loadManifestFile(file, version.text, version.mtime, this.options);
    this.manifestEntries.set(file, { fingerprint: version.fingerprint, records });
    return true;
  }
}

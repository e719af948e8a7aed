import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import {
  type AliasRecord,
  type ArnContext,
  type PublishDecision,
  ServiceException,
  type VersionRecord,
  type VersionStore,
  aliasExists,
  aliasNotFound,
  versionInUse,
  versionNotFound,
  KeyedLock,
} from '@lamina/core';

import { createFileExclusive, removeFile, writeFileAtomic } from '../code/atomic-write.js';
import { fingerprintOf, readFileVersion, statFingerprint } from './file-version.js';
import { ChangeListeners } from './change-listeners.js';
import type { StoreLogger } from './store-logger.js';
import { IndexedVersionReads, VersionIndex } from './version-index.js';
import { WatchedFolder } from './watched-folder.js';
import {
  aliasFileName,
  parseVersionFile,
  parseVersionFileName,
  serializeVersionFile,
  type VersionFileValue,
  versionFileName,
  versionFileNameOf,
} from './version-files.js';
import type { EnvSealer } from './env-sealer.js';

export interface FileVersionStoreOptions {
  /** Files live in `<stateDir>/versions/`. */
  readonly stateDir: string;
  readonly arnContext: ArnContext;
  readonly logger: StoreLogger;
  /** Periodic rescan, the fallback for missed fs.watch events. Default 2000 ms. */
  readonly rescanIntervalMs?: number;
  readonly debounceMs?: number;
  /** Environments written sealed (env-sealer.ts); absent: plaintext (tests). */
  readonly sealer?: EnvSealer;
}

interface FileEntry {
  /** Undefined marks a file this process removed (until a scan confirms it). */
  readonly fingerprint: string | undefined;
  readonly value: VersionFileValue | undefined;
  /** Set by this process's own writes so a scan that started before them can't undo them. */
  readonly gen: number;
}

const PUBLISH_ATTEMPTS = 20;

/**
 * Local mode's versions and aliases: one JSON file each in `<stateDir>/versions/`, so they
 * survive restarts and every `lamina dev` sharing the state folder sees them (fs.watch plus a
 * periodic rescan, like the function store). Reads come from memory. Version numbers are
 * claimed by creating the version's file exclusively, so two processes never publish the
 * same number; a deleted version leaves a tombstone so its number is never reused.
 */
export class FileVersionStore extends IndexedVersionReads implements VersionStore {
  readonly dir: string;
  private readonly files = new Map<string, FileEntry>();
  private readonly folder: WatchedFolder;
  private readonly listeners: ChangeListeners;
  /** Serialises writes to one function within this process. */
  private readonly locks = new KeyedLock();
  private gen = 0;

  constructor(private readonly options: FileVersionStoreOptions) {
    super();
    this.listeners = new ChangeListeners(options.logger, 'version');
    this.dir = join(options.stateDir, 'versions');
    this.folder = new WatchedFolder({
      dir: this.dir,
      pass: async () => {
        const changed = await this.scan();
        if (changed.size > 0) this.rebuild([...changed]);
      },
      what: 'versions and aliases',
      logger: options.logger,
      timing: options,
    });
  }

  /** Loads every file, then keeps watching. Idempotent. */
  start(): Promise<void> {
    return this.folder.start();
  }

  onChange(listener: (functionName: string) => void): () => void {
    return this.listeners.add(listener);
  }

  publish(
    functionName: string,
    decide: (last: VersionRecord | undefined, nextVersion: string) => PublishDecision,
  ): Promise<PublishDecision> {
    return this.locks.run(functionName, async () => {
      await this.rescan();
      for (let attempt = 0; attempt < PUBLISH_ATTEMPTS; attempt++) {
        const next = String(this.index.nextNumber(functionName));
        const decision = decide(this.index.last(functionName), next);
        if (decision.kind === 'existing') return decision;
        const value: VersionFileValue = { kind: 'version', record: decision.record };
        const file = versionFileName(functionName, decision.record.version);
        const stats = await createFileExclusive(
          this.pathOf(file),
          serializeVersionFile(value, this.options.sealer),
        );
        if (stats !== undefined) {
          this.set(file, fingerprintOf(stats), value);
          return decision;
        }
        // Another process claimed that number: learn about it and try the next one.
        await this.scanFile(file, this.gen);
        this.rebuild([functionName]);
      }
      throw new ServiceException(`Could not claim a version number for ${functionName}.`);
    });
  }

  deleteVersion(functionName: string, version: string): Promise<void> {
    return this.locks.run(functionName, async () => {
      const { arnContext } = this.options;
      if (this.index.getVersion(functionName, version) === undefined) {
        throw versionNotFound(arnContext, functionName, version);
      }
      const using = this.index.aliasesUsing(functionName, version);
      if (using.length > 0) throw versionInUse(using);
      const value: VersionFileValue = { kind: 'deleted', functionName, version };
      const file = versionFileName(functionName, version);
      const stats = await writeFileAtomic(
        this.pathOf(file),
        serializeVersionFile(value, this.options.sealer),
      );
      this.set(file, fingerprintOf(stats), value);
    });
  }

  createAlias(alias: AliasRecord): Promise<void> {
    return this.locks.run(alias.functionName, async () => {
      const value: VersionFileValue = { kind: 'alias', record: alias };
      const file = aliasFileName(alias.functionName, alias.name);
      const stats = await createFileExclusive(
        this.pathOf(file),
        serializeVersionFile(value, this.options.sealer),
      );
      if (stats === undefined) {
        throw aliasExists(this.options.arnContext, alias.functionName, alias.name);
      }
      this.set(file, fingerprintOf(stats), value);
    });
  }

  updateAlias(
    functionName: string,
    name: string,
    change: (current: AliasRecord) => AliasRecord,
  ): Promise<AliasRecord> {
    return this.locks.run(functionName, async () => {
      const file = aliasFileName(functionName, name);
      // The file as it is now (another process may have changed it since the last scan).
      const read = await readFileVersion(this.pathOf(file));
      const current =
        read === undefined
          ? undefined
          : parseVersionFile(versionFileNameOf(file), read.text, this.options.sealer);
      if (current?.kind !== 'alias') {
        this.set(file, undefined, undefined);
        throw aliasNotFound(this.options.arnContext, functionName, name);
      }
      const next: AliasRecord = { ...change(current.record), functionName, name };
      const value: VersionFileValue = { kind: 'alias', record: next };
      const stats = await writeFileAtomic(
        this.pathOf(file),
        serializeVersionFile(value, this.options.sealer),
      );
      this.set(file, fingerprintOf(stats), value);
      return next;
    });
  }

  deleteAlias(functionName: string, name: string): Promise<void> {
    return this.locks.run(functionName, async () => {
      const file = aliasFileName(functionName, name);
      const removed = await removeFile(this.pathOf(file));
      this.set(file, undefined, undefined);
      if (!removed) throw aliasNotFound(this.options.arnContext, functionName, name);
    });
  }

  deleteFunction(functionName: string): Promise<void> {
    return this.locks.run(functionName, async () => {
      const files = (await readdir(this.dir)).filter(
        (f) => parseVersionFileName(f)?.functionName === functionName,
      );
      for (const file of files) await removeFile(this.pathOf(file));
      this.gen += 1;
      for (const file of new Set([...files, ...this.filesOf(functionName)])) {
        this.files.set(file, { fingerprint: undefined, value: undefined, gen: this.gen });
      }
      this.rebuild([functionName]);
    });
  }

  /** Stops watching and waits for a rescan in progress. Idempotent. */
  close(): Promise<void> {
    return this.folder.close();
  }

  /** Re-reads what changed on disk. Calls during a pass coalesce into one more pass. */
  rescan(): Promise<void> {
    return this.folder.rescan();
  }

  /** One pass over the folder; returns the functions whose files changed. */
  private async scan(): Promise<Set<string>> {
    const startGen = this.gen;
    const changed = new Set<string>();
    let present: Set<string>;
    try {
      present = new Set((await readdir(this.dir)).filter((f) => parseVersionFileName(f)));
    } catch (err) {
      this.options.logger.error({ dir: this.dir, err }, 'cannot list versions and aliases');
      return changed;
    }
    for (const file of present) {
      try {
        if (await this.scanFile(file, startGen)) changed.add(versionFileNameOf(file).functionName);
      } catch (err) {
        this.options.logger.error({ file: this.pathOf(file), err }, 'cannot read version file');
      }
    }
    for (const [file, entry] of this.files) {
      if (!present.has(file) && entry.gen <= startGen) {
        this.files.delete(file);
        if (entry.value !== undefined) changed.add(versionFileNameOf(file).functionName);
      }
    }
    return changed;
  }

  /** Re-reads one file when its fingerprint changed; true when the entry changed. */
  private async scanFile(file: string, startGen: number): Promise<boolean> {
    const known = this.files.get(file);
    if (known !== undefined && known.gen > startGen) return false;
    const path = this.pathOf(file);
    if (known?.fingerprint === (await statFingerprint(path))) return false;
    const read = await readFileVersion(path);
    if (read === undefined) return false;
    if ((this.files.get(file)?.gen ?? 0) > startGen) return false;
    let value: VersionFileValue | undefined;
    try {
      value = parseVersionFile(versionFileNameOf(file), read.text, this.options.sealer);
    } catch (err) {
      this.options.logger.error(
        { file: path, err },
        `skipping version file ${path}: ${(err as Error).message}`,
      );
    }
    this.files.set(file, { fingerprint: read.fingerprint, value, gen: 0 });
    return true;
  }

  private set(file: string, fingerprint: string | undefined, value: VersionFileValue | undefined) {
    this.gen += 1;
    this.files.set(file, { fingerprint, value, gen: this.gen });
    this.rebuild([versionFileNameOf(file).functionName]);
  }

  /** Rebuilds the in-memory index from the known files and tells listeners. */
  private rebuild(changed: readonly string[]): void {
    const index = new VersionIndex();
    for (const { value } of this.files.values()) {
      if (value === undefined) continue;
      if (value.kind === 'version') index.putVersion(value.record);
      else if (value.kind === 'deleted') index.removeVersion(value.functionName, value.version);
      else index.putAlias(value.record);
    }
    this.index = index;
    this.listeners.emit(changed);
  }

  private filesOf(functionName: string): string[] {
    return [...this.files.keys()].filter((f) => versionFileNameOf(f).functionName === functionName);
  }

  private pathOf(file: string): string {
    return join(this.dir, file);
  }
}

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import {
  type ArnContext,
  assertFunctionName,
  type CodeStore,
  type FunctionRecord,
  type FunctionStore,
  lambdaTimestamp,
  ResourceConflictException,
  functionExists,
  functionNotFound,
  KeyedLock,
} from '@lamina/core';

import { ApiRecordDir } from './api-record-dir.js';
import { type Definition, DefinitionCache } from './definition-cache.js';
import { ChangeListeners } from './change-listeners.js';
import type { EnvSealer } from './env-sealer.js';
import type { StoreLogger } from './store-logger.js';
import { WatchedFolder } from './watched-folder.js';

export interface FileFunctionStoreOptions {
  /** Folder of Function YAML files (`*.yaml`, `*.yml`, not recursive); optional. */
  readonly manifestsDir?: string;
  /** API-created records live in `<stateDir>/functions/<name>.json`. */
  readonly stateDir: string;
  readonly codeStore: CodeStore;
  readonly supportedRuntimes: readonly string[];
  /** Region and account for the ARN in ResourceNotFoundException messages. */
  readonly arnContext: ArnContext;
  readonly logger: StoreLogger;
  readonly now?: () => Date;
  /** Periodic rescan, the fallback for missed fs.watch events. Default 2000 ms. */
  readonly rescanIntervalMs?: number;
  /** Quiet time after a watch event before rescanning. Default 50 ms. */
  readonly debounceMs?: number;
  /** Environments written sealed (env-sealer.ts); absent: plaintext (tests). */
  readonly sealer?: EnvSealer;
}

// Typed as Error: core's generated error classes do not show `extends Error` to lint.
const conflict = (message: string): Error => new ResourceConflictException(message);

/**
 * Local mode's function definitions: a folder of Function manifests plus the records the
 * management API writes as JSON files. Several processes may share both folders; each serves
 * reads synchronously from memory (they sit on the invoke path) and refreshes it from fs.watch
 * events and a periodic rescan. Manifest-defined functions are read-only through the API.
 */
export class FileFunctionStore implements FunctionStore {
  private readonly api: ApiRecordDir;
  private readonly cache: DefinitionCache;
  private readonly folder: WatchedFolder;
  private readonly now: () => Date;
  private view = new Map<string, Definition>();
  private sorted: readonly FunctionRecord[] = [];
  private readonly listeners: ChangeListeners;
  /** Serialises writes to one function within this process. */
  private readonly locks = new KeyedLock();

  constructor(private readonly options: FileFunctionStoreOptions) {
    this.listeners = new ChangeListeners(options.logger, 'function');
    this.api = new ApiRecordDir(join(options.stateDir, 'functions'), options.sealer);
    this.now = options.now ?? (() => new Date());
    this.cache = new DefinitionCache({
      api: this.api,
      codeStore: options.codeStore,
      supportedRuntimes: options.supportedRuntimes,
      logger: options.logger,
      ...(options.manifestsDir === undefined ? {} : { manifestsDir: options.manifestsDir }),
    });
    this.folder = new WatchedFolder({
      dir: this.api.dir,
      ...(options.manifestsDir === undefined ? {} : { alsoWatch: [options.manifestsDir] }),
      pass: async () => {
        if (await this.cache.scan()) this.refresh();
      },
      what: 'function definitions',
      logger: options.logger,
      timing: options,
    });
  }

  /** Loads every definition, then keeps watching. Idempotent. */
  start(): Promise<void> {
    return this.folder.start();
  }

  get(name: string): FunctionRecord | undefined {
    return this.view.get(name)?.record;
  }

  /** All functions, sorted by name. */
  list(): readonly FunctionRecord[] {
    return this.sorted;
  }

  onChange(listener: (name: string) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Stores `record` as given (source `api`); ResourceConflictException when the name is taken. */
  async create(record: FunctionRecord): Promise<void> {
    const name = record.spec.name;
    assertFunctionName(name);
    await this.locks.run(name, async () => {
      this.assertNotManifest(name);
      const stored: FunctionRecord = { ...record, source: 'api' };
      const fingerprint = await this.api.create(stored);
      if (fingerprint === undefined) throw functionExists(name);
      this.cache.setApi(name, fingerprint, stored);
      this.refresh();
    });
  }

  /**
   * Applies `change` to the record as it is on disk now and stores the result with a fresh
   * RevisionId and LastModified (the name cannot change).
   */
  async update(
    name: string,
    change: (current: FunctionRecord) => FunctionRecord,
  ): Promise<FunctionRecord> {
    return this.locks.run(name, async () => {
      const next = change(await this.readForWrite(name));
      const stored: FunctionRecord = {
        ...next,
        spec: { ...next.spec, name },
        revisionId: randomUUID(),
        lastModified: lambdaTimestamp(this.now()),
        source: 'api',
      };
      this.cache.setApi(name, await this.api.replace(stored), stored);
      this.refresh();
      return stored;
    });
  }

  async delete(name: string): Promise<FunctionRecord> {
    return this.locks.run(name, async () => {
      const current = await this.readForWrite(name);
      const removed = await this.api.remove(name);
      this.cache.setApi(name, undefined, undefined);
      this.refresh();
      if (!removed) throw this.notFound(name);
      return current;
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

  /** Rebuilds the in-memory view and tells listeners about every name whose record changed. */
  private refresh(): void {
    const next = this.cache.definitions();
    const changed: string[] = [];
    for (const name of new Set([...this.view.keys(), ...next.keys()])) {
      if (!isDeepStrictEqual(this.view.get(name)?.record, next.get(name)?.record)) {
        changed.push(name);
      }
    }
    this.view = next;
    this.sorted = [...next.values()]
      .map((d) => d.record)
      .sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0));
    this.listeners.emit(changed);
  }

  /** The API record on disk now; conflicts for manifest functions, 404 when there is none. */
  private async readForWrite(name: string): Promise<FunctionRecord> {
    this.assertNotManifest(name);
    const stored = await this.api.read(name);
    if (stored === undefined || !('record' in stored)) {
      // Deleted by another process before a rescan noticed: drop it from memory now.
      if (stored === undefined && this.view.has(name)) {
        this.cache.setApi(name, undefined, undefined);
        this.refresh();
      }
      throw this.notFound(name);
    }
    return stored.record;
  }

  private assertNotManifest(name: string): void {
    const file = this.view.get(name)?.file;
    if (file !== undefined) {
      throw conflict(
        `Function ${name} is defined by the manifest ${file}; change or remove that file instead.`,
      );
    }
  }

  private notFound(name: string): Error {
    return functionNotFound(this.options.arnContext, name);
  }
}

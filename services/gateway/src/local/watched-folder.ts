/**
 * The scaffolding every local file store shares: create its folder, read it once, then keep its
 * in-memory view fresh from fs.watch events and a periodic rescan (DirWatcher), running one pass
 * at a time. The store supplies only the pass (read what changed, tell its listeners).
 *
 * Invariants: passes never overlap — a rescan asked for during a pass runs as one more pass after
 * it (requests coalesce); a failing pass is logged and the next signal tries again; after
 * `close()` no pass starts, and `close()` resolves once the running one has finished.
 */
import { mkdir } from 'node:fs/promises';

import { DirWatcher } from './dir-watcher.js';
import type { StoreLogger } from './store-logger.js';

export interface WatchedFolderOptions {
  /** Created on start: the folder the store writes. */
  readonly dir: string;
  /** Other folders that feed the view (read-only to the store, e.g. manifests). */
  readonly alsoWatch?: readonly string[];
  /** One pass over the folders; updates the store's view and tells its listeners. */
  readonly pass: () => Promise<void>;
  /** What is read, for the log line of a failed pass ("function definitions"). */
  readonly what: string;
  readonly logger: StoreLogger;
  readonly timing: {
    /** Quiet time after a watch event before rescanning. Default 50 ms. */
    readonly debounceMs?: number;
    /** Periodic rescan, the fallback for missed fs.watch events. Default 2000 ms. */
    readonly rescanIntervalMs?: number;
  };
}

export class WatchedFolder {
  private readonly watcher: DirWatcher;
  private scanning: Promise<void> | undefined;
  private scanAgain = false;
  private started: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: WatchedFolderOptions) {
    this.watcher = new DirWatcher({
      dirs: [o.dir, ...(o.alsoWatch ?? [])],
      onSignal: () => void this.rescan(),
      logger: o.logger,
      debounceMs: o.timing.debounceMs ?? 50,
      intervalMs: o.timing.rescanIntervalMs ?? 2000,
    });
  }

  /** Creates the folder, runs the first pass, then keeps watching. Idempotent. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await mkdir(this.o.dir, { recursive: true });
      await this.rescan();
      if (this.closing === undefined) this.watcher.start();
    })();
    return this.started;
  }

  /** Re-reads what changed on disk. Calls during a pass coalesce into one more pass. */
  rescan(): Promise<void> {
    if (this.closing !== undefined) return Promise.resolve();
    if (this.scanning !== undefined) {
      this.scanAgain = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      let again = true;
      while (again) {
        this.scanAgain = false;
        await this.o.pass();
        again = this.wantsAnotherPass();
      }
    })()
      .catch((err: unknown) => {
        this.o.logger.error({ err }, `rescanning ${this.o.what} failed`);
      })
      .finally(() => {
        this.scanning = undefined;
      });
    return this.scanning;
  }

  /** A method, not inline: the flag changes while a pass awaits. */
  private wantsAnotherPass(): boolean {
    return this.scanAgain && this.closing === undefined;
  }

  /** Stops watching and waits for a pass in progress. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.watcher.close();
      await this.scanning;
    })();
    return this.closing;
  }
}

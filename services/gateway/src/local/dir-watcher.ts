import { type FSWatcher, watch } from 'node:fs';

import type { StoreLogger } from './store-logger.js';

export interface DirWatcherOptions {
  readonly dirs: readonly string[];
  /** Called (debounced) after a change was seen, and on every periodic tick. */
  readonly onSignal: () => void;
  readonly logger: StoreLogger;
  readonly debounceMs: number;
  /** The periodic fallback: fs.watch can miss events (network filesystems, overflow). */
  readonly intervalMs: number;
}

/**
 * Watches folders with fs.watch (debounced) plus a periodic tick, because fs.watch alone can
 * miss changes. A folder that is missing or whose watcher fails is retried on each tick.
 */
export class DirWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: DirWatcherOptions) {}

  start(): void {
    if (this.closed || this.timer !== undefined) return;
    this.attach();
    this.timer = setInterval(() => {
      this.attach();
      this.options.onSignal();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.timer = undefined;
    this.debounce = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private attach(): void {
    for (const dir of this.options.dirs) {
      if (this.closed || this.watchers.has(dir)) continue;
      let watcher: FSWatcher;
      try {
        watcher = watch(dir, { persistent: false }, () => {
          this.changed();
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') this.options.logger.warn({ dir, err }, 'cannot watch folder');
        continue;
      }
      watcher.on('error', (err) => {
        this.options.logger.warn({ dir, err }, 'folder watch failed; relying on periodic rescans');
        watcher.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, watcher);
    }
  }

  private changed(): void {
    if (this.closed) return;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.options.onSignal();
    }, this.options.debounceMs);
    this.debounce.unref();
  }
}

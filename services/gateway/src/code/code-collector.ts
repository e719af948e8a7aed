/**
 * Reclaims code nothing references any more: packages of the code store and (local mode) the
 * snapshots versions run, once no function's `$LATEST` (its code or a layer it uses), no
 * published version (the same) and no live layer version names their SHA-256. It also reports what is stored (GetAccountSettings' TotalCodeSize).
 *
 * Invariants:
 * - Content is removed only when it is unreferenced in this sweep, has been seen unreferenced
 *   for at least `graceMs` (so stale caches, a replica that lags a watch, and environments of a
 *   function that was just deleted get time), and was not written or put again within `graceMs`
 *   (an upload returns content before its function record exists: that gap is covered here).
 * - The stores do the removal (reclaim-content.ts), safe against concurrent writers and other
 *   collectors in other processes (gateway replicas on one volume); references are read again
 *   right before each removal.
 * - Sweeps never overlap; a change (`watch`) asks for one soon; one runs every `intervalMs`, and
 *   earlier when content becomes due. `start()` and `stop()` are idempotent; `stop()` waits for a
 *   running sweep.
 */
import type { FunctionLayer, FunctionStore, LayerStore, VersionStore } from '@lamina/core';

export interface StoredContent {
  readonly hex: string;
  readonly bytes: number;
  /** Epoch ms of the last write or re-put. */
  readonly touchedAt: number;
}

/** A content-addressed store the collector may sweep. */
export interface CollectableStore {
  list(): Promise<readonly StoredContent[]>;
  /** Removes `hex` unless written or put again at or after `before`; true when removed. */
  remove(hex: string, before: number): Promise<boolean>;
  /** Removes temp and trash leftovers older than `before`. */
  removeLeftovers(before: number): Promise<void>;
}

/** The hex SHA-256s something references right now. */
export interface CodeReferences {
  referenced(): ReadonlySet<string>;
}

/** What GetAccountSettings reads. */
export interface CodeUsage {
  storedBytes(): Promise<number>;
}

/** A store whose changes may free code (FunctionStore, VersionStore). */
export interface ChangeSource {
  onChange(listener: (name: string) => void): () => void;
}

export interface CodeCollectorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface CodeCollectorOptions {
  readonly references: CodeReferences;
  readonly stores: readonly CollectableStore[];
  readonly watch?: readonly ChangeSource[];
  readonly graceMs: number;
  readonly intervalMs: number;
  /** Temp and trash leftovers are removed after this long; default an hour. */
  readonly leftoverAgeMs?: number;
  /** How long after a change the sweep runs; default 1 s. */
  readonly debounceMs?: number;
  readonly now?: () => number;
  readonly logger: CodeCollectorLogger;
}

export interface SweepResult {
  readonly removed: number;
  readonly removedBytes: number;
  /** Unreferenced content still waiting for its grace period. */
  readonly waiting: number;
}

const HOUR_MS = 3_600_000;

const hexOf = (sha256: string): string => Buffer.from(sha256, 'base64').toString('hex');

/**
 * Every function's `$LATEST` code and every published version's, the layers each of them uses
 * (kept after their layer version is deleted) and every live layer version, from the stores'
 * memory.
 */
export function storeReferences(
  functions: Pick<FunctionStore, 'list'>,
  versions: Pick<VersionStore, 'listVersions'>,
  layers?: Pick<LayerStore, 'list'>,
): CodeReferences {
  const addLayers = (refs: Set<string>, used: readonly FunctionLayer[] | undefined): void => {
    for (const l of used ?? []) refs.add(hexOf(l.sha256));
  };
  return {
    referenced: () => {
      const refs = new Set<string>();
      for (const fn of functions.list()) {
        if (fn.code.sha256 !== '') refs.add(hexOf(fn.code.sha256));
        addLayers(refs, fn.spec.layers);
        for (const v of versions.listVersions(fn.spec.name)) {
          if (v.code.sha256 !== '') refs.add(hexOf(v.code.sha256));
          addLayers(refs, v.spec.layers);
        }
      }
      for (const l of layers?.list() ?? []) refs.add(hexOf(l.sha256));
      return refs;
    },
  };
}

export class CodeCollector implements CodeUsage {
  private readonly now: () => number;
  /** `<store index>:<hex>` → when it was first seen unreferenced (this process' view). */
  private readonly unreferencedSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  private running: Promise<SweepResult> | undefined;
  private again = false;
  private started = false;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly o: CodeCollectorOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = (this.o.watch ?? []).map((s) =>
      s.onChange(() => {
        this.schedule(this.o.debounceMs ?? 1000);
      }),
    );
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Infinity;
    await this.running?.catch(() => undefined);
  }

  async storedBytes(): Promise<number> {
    let total = 0;
    for (const store of this.o.stores) {
      for (const item of await store.list()) total += item.bytes;
    }
    return total;
  }

  /** One sweep now (or the running one, followed by another). */
  sweep(): Promise<SweepResult> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    const run = this.sweepOnce().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      }
    });
    this.running = run;
    return run;
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    const at = this.now() + delayMs;
    if (this.timer !== undefined && at >= this.dueAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueAt = Infinity;
      this.sweep()
        .catch((err: unknown) => {
          this.o.logger.warn({ err }, 'code collection failed; trying again later');
          return undefined;
        })
        .finally(() => {
          this.schedule(this.o.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async sweepOnce(): Promise<SweepResult> {
    const { graceMs } = this.o;
    const now = this.now();
    const before = now - graceMs;
    let removed = 0;
    let removedBytes = 0;
    let nextDue = Infinity;
    const seen = new Set<string>();
    for (const [i, store] of this.o.stores.entries()) {
      const items = await store.list();
      const refs = this.o.references.referenced();
      for (const item of items) {
        const key = `${i}:${item.hex}`;
        seen.add(key);
        if (refs.has(item.hex)) {
          this.unreferencedSince.delete(key);
          continue;
        }
        const since = this.unreferencedSince.get(key) ?? now;
        this.unreferencedSince.set(key, since);
        const due = Math.max(since, item.touchedAt) + graceMs;
        if (due > now) {
          nextDue = Math.min(nextDue, due);
          continue;
        }
        // The caches may have moved on during the awaits above.
        if (this.o.references.referenced().has(item.hex)) continue;
        if (await store.remove(item.hex, before)) {
          removed += 1;
          removedBytes += item.bytes;
          this.unreferencedSince.delete(key);
        }
      }
      await store.removeLeftovers(now - (this.o.leftoverAgeMs ?? HOUR_MS));
    }
    for (const key of this.unreferencedSince.keys()) {
      if (!seen.has(key)) this.unreferencedSince.delete(key);
    }
    if (removed > 0) this.o.logger.info({ removed, removedBytes }, 'reclaimed unreferenced code');
    if (nextDue !== Infinity) this.schedule(Math.max(0, nextDue - this.now()) + 10);
    return { removed, removedBytes, waiting: this.unreferencedSince.size };
  }
}

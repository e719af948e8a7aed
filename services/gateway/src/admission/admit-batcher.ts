/** What `admit-n.lua` answers per acquire: 1 reserved, 2 unreserved pool, -1/-2 refused. */
export type AdmitCode = 1 | 2 | -1 | -2;

export interface AdmitResult {
  readonly code: AdmitCode;
  /** Epoch ms (Redis clock) of the lease's expiry; 0 when refused. */
  readonly expiresAt: number;
}

/** The `admit-n.lua` command as ioredis defines it: numKeys, KEYS..., ARGV... */
export type AdmitCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number[]>;

interface PendingAcquire {
  readonly fnKey: string;
  readonly name: string;
  readonly id: string;
  readonly ttlMs: number;
  readonly resolve: (result: AdmitResult) => void;
  readonly reject: (err: unknown) => void;
}

interface PendingRelease {
  readonly fnKey: string;
  readonly id: string;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export interface AdmitBatcherOptions {
  readonly send: AdmitCommand;
  readonly poolKey: string;
  readonly reservedKey: string;
  readonly sumKey: string;
  readonly accountConcurrency: number;
  /** Script calls on the wire at once; more calls wait and go out together. Default 2. */
  readonly maxInFlight?: number;
  /** Most acquires + releases in one script call. Default 128. */
  readonly maxBatch?: number;
  /**
   * How long releases may wait for an acquire to ride along with (0: send at once). The
   * releasing gateway's own next acquire always counts them first; other gateways see the
   * freed capacity this much later. Default 2 ms.
   */
  readonly releaseDelayMs?: number;
}

/**
 * Batches admission like Nagle's algorithm: an acquire goes to Redis at once while fewer than
 * `maxInFlight` script calls are out, so an idle gateway pays one round trip and no deferral;
 * calls that arrive meanwhile share the next script call. Releases wait up to
 * `releaseDelayMs` and ride along with the next acquire, so a sequential caller costs one
 * script call per invoke, not two. Only this class knows the argument packing of
 * `admit-n.lua`.
 */
export class AdmitBatcher {
  private acquires: PendingAcquire[] = [];
  private releases: PendingRelease[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private readonly releaseDelayMs: number;

  constructor(private readonly options: AdmitBatcherOptions) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 128;
    this.releaseDelayMs = options.releaseDelayMs ?? 2;
  }

  acquire(fnKey: string, name: string, id: string, ttlMs: number): Promise<AdmitResult> {
    return new Promise((resolve, reject) => {
      this.acquires.push({ fnKey, name, id, ttlMs, resolve, reject });
      this.pump();
    });
  }

  release(fnKey: string, id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.releases.push({ fnKey, id, resolve, reject });
      this.pump();
    });
  }

  /** Sends whatever waits and resolves once nothing is queued or on the wire. */
  async drain(): Promise<void> {
    this.draining = true;
    this.pump();
    while (this.inFlight > 0 || this.acquires.length > 0 || this.releases.length > 0) {
      await new Promise((r) => setTimeout(r, 1));
      this.pump();
    }
  }

  private pump(): void {
    if (this.acquires.length > 0 || this.draining || this.releaseDelayMs === 0) {
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      this.sendWhilePossible();
    } else if (this.releases.length > 0) {
      this.timer ??= setTimeout(this.onTimer, this.releaseDelayMs);
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.sendWhilePossible();
  };

  private sendWhilePossible(): void {
    while (
      this.inFlight < this.maxInFlight &&
      (this.acquires.length > 0 || this.releases.length > 0)
    ) {
      const releases = this.take(this.releases, this.maxBatch);
      const acquires = this.take(this.acquires, this.maxBatch - releases.length);
      this.inFlight++;
      this.send(releases, acquires).then(
        (reply) => {
          for (const r of releases) r.resolve();
          acquires.forEach((a, j) => {
            const code = (reply[2 * j] ?? -2) as AdmitCode;
            a.resolve({ code, expiresAt: reply[2 * j + 1] ?? 0 });
          });
        },
        (err: unknown) => {
          for (const r of releases) r.reject(err);
          for (const a of acquires) a.reject(err);
        },
      );
    }
  }

  private take<T>(queue: T[], max: number): T[] {
    if (queue.length <= max) {
      const all = queue.slice();
      queue.length = 0;
      return all;
    }
    return queue.splice(0, max);
  }

  private async send(releases: PendingRelease[], acquires: PendingAcquire[]): Promise<number[]> {
    const o = this.options;
    const keys: string[] = [o.poolKey, o.reservedKey, o.sumKey];
    const argv: (string | number)[] = [releases.length, o.accountConcurrency];
    for (const r of releases) {
      keys.push(r.fnKey);
      argv.push(r.id);
    }
    for (const a of acquires) {
      keys.push(a.fnKey);
      argv.push(a.name, a.id, a.ttlMs);
    }
    try {
      return await o.send(keys.length, ...keys, ...argv);
    } finally {
      this.inFlight--;
      // After this batch's callers are settled, send what queued up meanwhile.
      queueMicrotask(() => {
        this.pump();
      });
    }
  }
}

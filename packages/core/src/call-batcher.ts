/**
 * Batches independent calls like Nagle's algorithm, for writes that are cheaper together (one
 * Redis pipeline instead of one round trip each): a call goes out at once while fewer than
 * `maxInFlight` batches are on the wire, so an idle caller pays one round trip and no
 * deferral; calls that arrive meanwhile share the next batch.
 *
 * Invariants: each call settles exactly once, with its own result (`send` answers one result
 * per item, in order) or with its batch's error; a batch holds at most `maxBatch` items; items
 * go out in arrival order; nothing waits on a timer. Pure: no I/O of its own (the gateway's
 * admission batcher follows the same rule with its own packing).
 */
export interface CallBatcherOptions<T, R> {
  /** Sends one batch; resolves with one result per item, in order, or rejects for all. */
  readonly send: (items: readonly T[]) => Promise<readonly R[]>;
  /** Batches on the wire at once; more calls wait and go out together. Default 2. */
  readonly maxInFlight?: number;
  /** Most items in one batch. Default 256. */
  readonly maxBatch?: number;
}

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

export class CallBatcher<T, R> {
  private queue: Pending<T, R>[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;

  constructor(private readonly options: CallBatcherOptions<T, R>) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 256;
  }

  /** Settles with this item's result once its batch is answered. */
  call(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Calls waiting or on the wire. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch =
        this.queue.length <= this.maxBatch
          ? this.queue.splice(0)
          : this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.flush(batch);
    }
  }

  private async flush(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.options.send(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        if (i < results.length) p.resolve(results[i] as R);
        else p.reject(new Error(`batch answered ${results.length} of ${batch.length} items`));
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.inFlight--;
      // After this batch's callers are settled, send what queued up meanwhile.
      queueMicrotask(() => {
        this.pump();
      });
    }
  }
}

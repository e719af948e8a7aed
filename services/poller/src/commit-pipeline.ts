import type { PartitionSink } from './partition-sink.js';

/**
 * A partition's offset commits taken off the path of its next invoke (ADR 0044): `commit` asks
 * for a commit and returns at once; one commit is on the wire at a time, and the asks that
 * arrive meanwhile collapse into the highest one, sent when the previous one is acknowledged.
 * `flush` waits until the last ask is acknowledged; the consumer calls it before it hands the
 * batch back to kafkajs.
 *
 * Invariants: an offset is asked for only after its records succeeded or were given up on (the
 * BatchProcessor's rule), so nothing is ever committed earlier than before — it is only
 * acknowledged later; asks only grow (the processor commits in offset order), so collapsing
 * them never moves a partition's committed offset back; after a commit failed, `active()` is
 * false (the processor stops invoking) and `commit` and `flush` reject with that failure.
 */
export class CommitPipeline implements PartitionSink {
  private wanted: string | undefined;
  private inFlight: Promise<void> | undefined;
  private failed: { readonly error: Error } | undefined;

  constructor(private readonly inner: PartitionSink) {}

  active(): boolean {
    return this.failed === undefined && this.inner.active();
  }

  commit(nextOffset: string): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed.error);
    this.wanted = nextOffset;
    this.inFlight ??= this.drain();
    return Promise.resolve();
  }

  /** Resolves once every ask so far is committed; rejects with a commit's failure. */
  async flush(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
    if (this.failed !== undefined) throw this.failed.error;
  }

  private async drain(): Promise<void> {
    try {
      for (let next = this.wanted; next !== undefined; next = this.wanted) {
        this.wanted = undefined;
        await this.inner.commit(next);
      }
    } catch (error) {
      this.failed = { error: error instanceof Error ? error : new Error(String(error)) };
      this.wanted = undefined;
    } finally {
      this.inFlight = undefined;
    }
  }
}

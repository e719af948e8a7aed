/**
 * One process's live demand per function version (ADR 0017), as the gateway, dispatcher and
 * poller will count it and `DemandReporter` will send it: calls running, calls held for an
 * environment, and the queued work a dispatcher or poller could start now.
 *
 * Invariants: every `run`/`wait` returns a release that takes effect once, however often it is
 * called, so a `finally` cannot double-count; counts never go negative; a version whose counts are
 * all zero is dropped, so the tally only holds versions with demand. Pure, no I/O.
 */
import {
  type DemandCounts,
  type DemandTarget,
  demandTotal,
  encodeDemandTarget,
  NO_DEMAND,
} from './demand-keys.js';

interface Entry {
  readonly target: DemandTarget;
  counts: DemandCounts;
}

export class DemandTally {
  private readonly entries = new Map<string, Entry>();

  /** A call runs in an environment of `target` until the returned release is called. */
  run(target: DemandTarget): () => void {
    return this.hold(target, 'inFlight');
  }

  /** A call waits for an environment of `target` until the returned release is called. */
  wait(target: DemandTarget): () => void {
    return this.hold(target, 'waiting');
  }

  /** Sets the queued work of one kind (async events, lagging partitions) for `target`. */
  setQueued(target: DemandTarget, kind: 'asyncDepth' | 'kafkaLag', count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new TypeError(`${kind} must be a count, got ${count}`);
    }
    this.change(target, (c) => ({ ...c, [kind]: count }));
  }

  /** Calls held for an environment of `target` now. */
  waiting(target: DemandTarget): number {
    return this.entries.get(encodeDemandTarget(target))?.counts.waiting ?? 0;
  }

  /** Every version with demand, as `demandReportCommands` takes them. */
  snapshot(): [DemandTarget, DemandCounts][] {
    return [...this.entries.values()].map((e) => [e.target, e.counts]);
  }

  private hold(target: DemandTarget, field: 'inFlight' | 'waiting'): () => void {
    this.change(target, (c) => ({ ...c, [field]: c[field] + 1 }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.change(target, (c) => ({ ...c, [field]: Math.max(0, c[field] - 1) }));
    };
  }

  private change(target: DemandTarget, f: (c: DemandCounts) => DemandCounts): void {
    const key = encodeDemandTarget(target);
    const entry = this.entries.get(key) ?? { target, counts: NO_DEMAND };
    entry.counts = f(entry.counts);
    if (demandTotal(entry.counts) === 0) this.entries.delete(key);
    else this.entries.set(key, entry);
  }
}

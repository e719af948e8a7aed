/** What the elector reads and writes: one coordination.k8s.io Lease, as plain values. */
export interface LeaseRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: number;
  readonly renewTime: number;
  readonly leaseTransitions: number;
  /** Optimistic concurrency token; an update with a stale one fails. */
  readonly resourceVersion?: string;
}

export interface LeaseStore {
  get(): Promise<LeaseRecord | undefined>;
  /** Creates the Lease; fails if it exists. */
  create(record: LeaseRecord): Promise<LeaseRecord>;
  /** Replaces the Lease if `record.resourceVersion` is current; fails otherwise. */
  update(record: LeaseRecord): Promise<LeaseRecord>;
}

export interface ElectorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LeaderElectorOptions {
  readonly store: LeaseStore;
  readonly identity: string;
  readonly leaseDurationMs: number;
  /** A leader that could not renew for this long gives up (must be < leaseDurationMs). */
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly logger: ElectorLogger;
  /** Injectable clock and sleep, for tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onStartedLeading: () => Promise<void> | void;
  /** Called once when leadership is lost (not on a clean release). Usually: exit the process. */
  readonly onStoppedLeading: () => void;
}

/**
 * Leader election over a Lease, after client-go's leaderelection: a candidate takes the Lease
 * when it is free or when its holder has not renewed for `leaseDuration` as measured on the
 * candidate's own clock (time since it last saw the record change — no clock-skew trust); the
 * leader renews every `retryPeriod` and steps down if renewals keep failing for `renewDeadline`.
 * `stop()` releases the Lease so a successor need not wait for it to expire.
 */
export class LeaderElector {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private observed: LeaseRecord | undefined;
  private observedAt = 0;
  private leading = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private releasing: Promise<void> | undefined;
  /** The acquire/renew request in flight, which a release must not race. */
  private attempt: Promise<boolean> | undefined;

  constructor(private readonly o: LeaderElectorOptions) {
    if (o.renewDeadlineMs >= o.leaseDurationMs)
      throw new Error('renewDeadline must be < leaseDuration');
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until leading, then renews until stopped or lost. Resolves when that ends. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops campaigning; a leader releases the Lease. Idempotent. */
  stop(): Promise<void> {
    this.stopped = true;
    this.releasing ??= (async () => {
      await this.attempt;
      if (!this.leading) return;
      this.leading = false;
      await this.release();
    })();
    return this.releasing;
  }

  private async loop(): Promise<void> {
    while (!this.isStopped() && !(await this.tracked())) {
      await this.sleep(this.o.retryPeriodMs);
    }
    if (this.isStopped()) return;
    this.leading = true;
    this.o.logger.info({ identity: this.o.identity }, 'became the leader');
    await this.o.onStartedLeading();
    let lastRenew = this.now();
    while (!this.isStopped()) {
      await this.sleep(this.o.retryPeriodMs);
      if (this.isStopped()) return;
      if (await this.tracked()) {
        lastRenew = this.now();
      } else if (this.now() - lastRenew >= this.o.renewDeadlineMs) {
        this.leading = false;
        this.o.logger.warn({ identity: this.o.identity }, 'lost the lease; stepping down');
        this.o.onStoppedLeading();
        return;
      }
    }
  }

  /** One attempt; true when this candidate holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const fresh = (acquireTime: number, transitions: number): LeaseRecord => ({
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      acquireTime,
      renewTime: now,
      leaseTransitions: transitions,
    });
    try {
      const current = await this.o.store.get();
      if (current === undefined) {
        this.remember(await this.o.store.create(fresh(now, 0)), now);
        return true;
      }
      if (!sameRecord(current, this.observed)) this.remember(current, now);
      const mine = current.holderIdentity === this.o.identity;
      const expired =
        this.observedAt + current.leaseDurationSeconds * 1000 <= now ||
        current.holderIdentity === '';
      if (!mine && !expired) return false;
      const next = mine
        ? fresh(current.acquireTime, current.leaseTransitions)
        : fresh(now, current.leaseTransitions + 1);
      const stored = await this.o.store.update({
        ...next,
        ...(current.resourceVersion === undefined
          ? {}
          : { resourceVersion: current.resourceVersion }),
      });
      this.remember(stored, now);
      if (!mine) this.o.logger.info({ from: current.holderIdentity }, 'took over an expired lease');
      return true;
    } catch (err) {
      this.o.logger.warn({ err, identity: this.o.identity }, 'lease acquire/renew failed');
      return false;
    }
  }

  private tracked(): Promise<boolean> {
    const attempt = this.tryAcquireOrRenew();
    this.attempt = attempt;
    return attempt;
  }

  /** A method, not the field, so the compiler does not narrow it across awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private remember(record: LeaseRecord, at: number): void {
    this.observed = record;
    this.observedAt = at;
  }

  /** Hands the Lease back (empty holder); retried on a conflict, else it simply expires. */
  private async release(): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        const current = await this.o.store.get();
        if (current?.holderIdentity !== this.o.identity) return;
        await this.o.store.update({
          ...current,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: this.now(),
        });
        this.o.logger.info({ identity: this.o.identity }, 'released the lease');
        return;
      } catch (err) {
        if (tries >= 3) {
          this.o.logger.warn({ err }, 'could not release the lease; it will expire');
          return;
        }
      }
    }
  }
}

function sameRecord(a: LeaseRecord, b: LeaseRecord | undefined): boolean {
  if (b === undefined) return false;
  return (
    a.holderIdentity === b.holderIdentity &&
    a.renewTime === b.renewTime &&
    a.resourceVersion === b.resourceVersion
  );
}

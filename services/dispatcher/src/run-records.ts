/**
 * The dispatcher's half of async run records (ADR 0026; the contract is core's
 * `async-run-record.ts`): every attempt asks the gateway to remember its outcome for `ttlMs`,
 * and a pickup that may repeat an attempt (the event was picked up before) first looks for
 * that record. Found, the attempt is not run again: its recorded outcome is the attempt's.
 *
 * While the gateway still runs the attempt (ADR 0048) the key holds its running marker: the
 * pickup waits, reading again with growing pauses (≤ 1 s), until the record is there (taken)
 * or the marker is gone without one (the attempt ended with nothing to record, or its gateway
 * died and the marker expired: the event runs).
 *
 * Invariants: `ttlMs` covers a dead dispatcher's lock expiry and the stalled check that hands
 * the event on (twice their sum by default); first pickups never read Redis; a record that
 * cannot be read counts as absent (the event runs, at least once as before); a wait ends by
 * the marker's own TTL (the function's timeout and a margin), at the latest after
 * `RUN_RECORD_MAX_TTL_MS`.
 */
import {
  type AsyncJobData,
  type AsyncKeys,
  attemptOf,
  decodeRunRecord,
  type RunRecord,
  RUN_RECORD_HEADER,
  RUN_RECORD_MAX_TTL_MS,
  RUN_RECORD_RUNNING,
  runRecordKey,
  runRecordRequest,
} from '@lamina/core';
import type { Redis } from 'ioredis';

export interface RunRecordsOptions {
  readonly redis: Pick<Redis, 'get'>;
  readonly keys: Pick<AsyncKeys, 'bullPrefix'>;
  /** How long the gateway keeps a record; 0 turns records off. */
  readonly ttlMs: number;
  /** False: a running attempt counts as no record and the event runs again (default true). */
  readonly awaitRunning?: boolean;
  /** Called once per pickup that found its attempt still running and waits for it. */
  readonly onWait?: (job: AsyncJobData) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const FIRST_PAUSE_MS = 50;
const LONGEST_PAUSE_MS = 1000;
const pause = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

export class RunRecords {
  constructor(private readonly o: RunRecordsOptions) {}

  /** The header that asks the gateway to record this attempt (none when records are off). */
  headers(job: AsyncJobData): Readonly<Record<string, string>> {
    if (this.o.ttlMs <= 0) return {};
    return { [RUN_RECORD_HEADER]: runRecordRequest(attemptOf(job), this.o.ttlMs) };
  }

  /** The recorded outcome of the attempt `job` is on, if it ran to the end before. */
  async find(job: AsyncJobData, startedCount: number): Promise<RunRecord | undefined> {
    if (this.o.ttlMs <= 0 || startedCount <= 1) return undefined;
    const key = runRecordKey(this.o.keys, job.functionName, job.requestId, attemptOf(job));
    const now = this.o.now ?? Date.now;
    const giveUpAt = now() + RUN_RECORD_MAX_TTL_MS;
    for (let wait = FIRST_PAUSE_MS; ; wait = Math.min(2 * wait, LONGEST_PAUSE_MS)) {
      let text: string | null;
      try {
        text = await this.o.redis.get(key);
      } catch {
        return undefined;
      }
      if (text !== RUN_RECORD_RUNNING || this.o.awaitRunning === false) {
        return decodeRunRecord(text);
      }
      if (wait === FIRST_PAUSE_MS) this.o.onWait?.(job);
      if (now() >= giveUpAt) return undefined;
      await (this.o.sleep ?? pause)(wait);
    }
  }
}

/**
 * The dispatcher's half of async run records (ADR 0026; the contract is core's
 * `async-run-record.ts`): every attempt asks the gateway to remember its outcome for `ttlMs`,
 * and a pickup that may repeat an attempt (the event was picked up before) first looks for
 * that record. Found, the attempt is not run again: its recorded outcome is the attempt's.
 *
 * Invariants: `ttlMs` covers a dead dispatcher's lock expiry and the stalled check that hands
 * the event on (twice their sum by default); first pickups never read Redis; a record that
 * cannot be read counts as absent (the event runs, at least once as before).
 */
import {
  type AsyncJobData,
  type AsyncKeys,
  attemptOf,
  decodeRunRecord,
  type RunRecord,
  RUN_RECORD_HEADER,
  runRecordKey,
  runRecordRequest,
} from '@lamina/core';
import type { Redis } from 'ioredis';

export interface RunRecordsOptions {
  readonly redis: Pick<Redis, 'get'>;
  readonly keys: Pick<AsyncKeys, 'bullPrefix'>;
  /** How long the gateway keeps a record; 0 turns records off. */
  readonly ttlMs: number;
}

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
    try {
      const key = runRecordKey(this.o.keys, job.functionName, job.requestId, attemptOf(job));
      return decodeRunRecord(await this.o.redis.get(key));
    } catch {
      return undefined;
    }
  }
}

/**
 * The gateway's half of async run records (ADR 0026; the contract is core's
 * `async-run-record.ts`): when a sync invoke asked for it (the dispatcher's header), remember
 * that the run ended and how, for the header's TTL, so a dispatcher that picks the event up
 * again after its predecessor died takes this outcome instead of running the event again.
 *
 * While the attempt runs (ADR 0048), its key holds the running marker (`started`, only where
 * no record is, for the function's timeout and a margin), so a dispatcher that picks the event
 * up again meanwhile waits for this outcome; an attempt that ends without one (throttled, the
 * pool failed) removes its marker (`abandoned`) and the event runs again.
 *
 * Invariants: no method throws or delays the answer — writes go behind it, many in one Redis
 * pipeline, in the order they were asked for (one batch on the wire at a time), so a marker
 * never lands after its record; a failed write is logged and only costs the protection for
 * that attempt (the event may then run twice, as before); the key comes from the function name
 * and the call's own request id, never from the header.
 */
import {
  CallBatcher,
  type AsyncKeys,
  encodeRunRecord,
  type InvocationResult,
  parseRunRecordRequest,
  RUN_RECORD_RUNNING,
  runMarkerTtlMs,
  runRecordKey,
} from '@lamina/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A record (SET), a running marker (SET … NX) or a marker's removal (DEL: `value` undefined). */
interface Write {
  readonly key: string;
  readonly value: string | undefined;
  readonly ttlMs: number;
  readonly onlyNew?: boolean;
}

export interface RunRecorderOptions {
  readonly redis: Pick<Redis, 'pipeline'>;
  readonly keys: Pick<AsyncKeys, 'bullPrefix'>;
  readonly logger: Pick<Logger, 'warn'>;
}

export class RunRecorder {
  private readonly writes: CallBatcher<Write, undefined>;

  constructor(private readonly o: RunRecorderOptions) {
    this.writes = new CallBatcher({ send: (w) => this.write(w), maxInFlight: 1, maxBatch: 512 });
  }

  /** Records `result` of `functionName`/`requestId` when `header` asks for it. */
  record(
    header: string | undefined,
    functionName: string,
    requestId: string,
    result: Pick<InvocationResult, 'functionError' | 'executedVersion' | 'payload'>,
  ): void {
    const request = parseRunRecordRequest(header);
    if (request === undefined) return;
    this.send(requestId, {
      key: runRecordKey(this.o.keys, functionName, requestId, request.attempt),
      value: encodeRunRecord(result.functionError, result.executedVersion, result.payload),
      ttlMs: request.ttlMs,
    });
  }

  /** The attempt starts: marks it running for `timeoutMs` and the margin, unless recorded. */
  started(
    header: string | undefined,
    functionName: string,
    requestId: string,
    timeoutMs: number,
  ): void {
    const request = parseRunRecordRequest(header);
    if (request === undefined) return;
    this.send(requestId, {
      key: runRecordKey(this.o.keys, functionName, requestId, request.attempt),
      value: RUN_RECORD_RUNNING,
      ttlMs: runMarkerTtlMs(timeoutMs),
      onlyNew: true,
    });
  }

  /** The attempt ended without an outcome to record: its marker goes. */
  abandoned(header: string | undefined, functionName: string, requestId: string): void {
    const request = parseRunRecordRequest(header);
    if (request === undefined) return;
    this.send(requestId, {
      key: runRecordKey(this.o.keys, functionName, requestId, request.attempt),
      value: undefined,
      ttlMs: 0,
    });
  }

  private send(requestId: string, w: Write): void {
    this.writes.call(w).catch((err: unknown) => {
      this.o.logger.warn({ err, requestId }, 'could not write the run record of an async event');
    });
  }

  /** Writes still waiting or on the wire. */
  get pending(): number {
    return this.writes.pending;
  }

  private async write(writes: readonly Write[]): Promise<undefined[]> {
    const p = this.o.redis.pipeline();
    for (const w of writes) {
      if (w.value === undefined) p.del(w.key);
      else if (w.onlyNew === true) p.set(w.key, w.value, 'PX', w.ttlMs, 'NX');
      else p.set(w.key, w.value, 'PX', w.ttlMs);
    }
    const results = (await p.exec()) ?? [];
    const err = results.find(([e]) => e !== null)?.[0];
    if (err !== undefined && err !== null) throw err;
    return new Array<undefined>(writes.length).fill(undefined);
  }
}

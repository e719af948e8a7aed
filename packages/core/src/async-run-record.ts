/**
 * Run records of async attempts (ADR 0026): the gateway remembers, for a while, that one attempt
 * of an async event ran to the end and how it ended, so a dispatcher that picks the event up
 * again after its predecessor died mid-attempt takes that outcome instead of running the event
 * a second time. Encode and decode live side by side; the gateway writes, the dispatcher reads.
 *
 * Invariants: the dispatcher asks for a record by sending `RUN_RECORD_HEADER` = `<attempt>;<ttl
 * ms>` on its sync invoke; the gateway builds the key itself from the function name and the
 * request id of that call (so a caller can only write records of its own request ids) and
 * writes it only for a run that ended (HTTP 200, with or without a function error); the
 * attempt number is the event's counters at pickup (`attemptOf`), the same for every pickup of
 * one attempt and new for each retry; a record's TTL is capped at `RUN_RECORD_MAX_TTL_MS`; a
 * payload above `RUN_RECORD_MAX_PAYLOAD_BYTES` is not kept (the record says so). While the
 * attempt runs, the same key holds `RUN_RECORD_RUNNING` (written only where no record is, for
 * the function's timeout and `RUN_MARKER_MARGIN_MS`, ADR 0048): a later pickup that finds it
 * waits for the outcome instead of running the event a second time.
 */
import { type AsyncJobData, type AsyncKeys, asyncJobId } from './async-invoke.js';

export const RUN_RECORD_HEADER = 'x-lamina-run-record';
export const RUN_RECORD_MAX_TTL_MS = 3_600_000;
/** Lambda's limit of an asynchronous destination record's response payload. */
export const RUN_RECORD_MAX_PAYLOAD_BYTES = 262_144;

/** How a recorded run ended, as the sync Invoke API answered it (always HTTP 200). */
export interface RunRecord {
  readonly functionError?: string;
  readonly executedVersion?: string;
  /** The function's response (UTF-8); absent when it was larger than the record keeps. */
  readonly payload?: string;
}

/**
 * The key's value while its attempt runs. Not JSON on purpose: a dispatcher that predates it
 * reads no record and runs the event, as it did before.
 */
export const RUN_RECORD_RUNNING = 'running';
/** How long a running marker outlives its attempt's timeout: init, pool and admission waits. */
export const RUN_MARKER_MARGIN_MS = 30_000;

/** The running marker's TTL for a function with `timeoutMs`. */
export const runMarkerTtlMs = (timeoutMs: number): number =>
  Math.min(Math.max(0, timeoutMs) + RUN_MARKER_MARGIN_MS, RUN_RECORD_MAX_TTL_MS);

/** The attempt an event is on: its used retries and throttles at pickup. */
export const attemptOf = (job: Pick<AsyncJobData, 'functionErrors' | 'throttles'>): string =>
  `${job.functionErrors}.${job.throttles}`;

/** The header value a dispatcher sends to have an attempt recorded for `ttlMs`. */
export const runRecordRequest = (attempt: string, ttlMs: number): string =>
  `${attempt};${Math.round(ttlMs)}`;

const REQUEST = /^(\d{1,6}\.\d{1,6});(\d{1,8})$/;

/** Parses the header; undefined when absent or malformed (nothing is recorded then). */
export function parseRunRecordRequest(
  value: string | undefined,
): { readonly attempt: string; readonly ttlMs: number } | undefined {
  const m = value === undefined ? null : REQUEST.exec(value);
  if (m === null) return undefined;
  const ttlMs = Math.min(Number(m[2]), RUN_RECORD_MAX_TTL_MS);
  return ttlMs > 0 ? { attempt: m[1] ?? '', ttlMs } : undefined;
}

/** The Redis key of one attempt's record (in the `{async}` slot). */
export const runRecordKey = (
  keys: Pick<AsyncKeys, 'bullPrefix'>,
  functionName: string,
  requestId: string,
  attempt: string,
): string => `${keys.bullPrefix}:run:${asyncJobId(functionName, requestId)}:${attempt}`;

export function encodeRunRecord(
  functionError: string | undefined,
  executedVersion: string | undefined,
  payload: Buffer,
): string {
  const r: RunRecord = {
    ...(functionError === undefined ? {} : { functionError }),
    ...(executedVersion === undefined ? {} : { executedVersion }),
    ...(payload.length > RUN_RECORD_MAX_PAYLOAD_BYTES ? {} : { payload: payload.toString('utf8') }),
  };
  return JSON.stringify(r);
}

/** Undefined for text that is not a record (it is ignored, and the event runs). */
export function decodeRunRecord(text: string | null): RunRecord | undefined {
  if (text === null) return undefined;
  try {
    const r = JSON.parse(text) as unknown;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return undefined;
    const o = r as Record<string, unknown>;
    const str = (k: string): string | undefined => {
      const v = o[k];
      return typeof v === 'string' ? v : undefined;
    };
    const functionError = str('functionError');
    const executedVersion = str('executedVersion');
    const payload = str('payload');
    return {
      ...(functionError === undefined ? {} : { functionError }),
      ...(executedVersion === undefined ? {} : { executedVersion }),
      ...(payload === undefined ? {} : { payload }),
    };
  } catch {
    return undefined;
  }
}

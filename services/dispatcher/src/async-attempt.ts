/**
 * One attempt of an async event through the shared gateway client (@lamina/service-kit), under
 * the async rules (404 and 413 are final), and its answer as the dispatcher records it: the
 * failure fields a dead letter and the destination records carry.
 *
 * Invariants: never throws; no answer from the invoke path counts as a 500 system error (the
 * dead letter's ErrorCode), with the reason as its message; the request id is the event's
 * own, so every retry of the event has the same one.
 */
import {
  type AsyncJobData,
  type AttemptFailure,
  type RunRecord,
  type TraceParent,
  traceHeaders,
} from '@lamina/core';
import { ASYNC_INVOKE_RULES, type Invoker, invokeKindOf } from '@lamina/service-kit';

import type { AttemptKind } from './retry-policy.js';
import type { RunRecords } from './run-records.js';

/** One attempt's answer, classified. */
export interface Attempt extends AttemptFailure {
  readonly kind: AttemptKind;
  /** Taken from a run record: an earlier pickup ran this attempt to the end. */
  readonly recalled?: boolean;
}

/** The invoke path under the async rules (the shared GatewayClient; a fake in tests). */
export type AsyncInvoker = Invoker<typeof ASYNC_INVOKE_RULES>;

/** The error text of a failure body: Lambda's errorMessage/message/Message, else the text. */
export function errorMessageOf(body: string, fallback: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const m = parsed['errorMessage'] ?? parsed['message'] ?? parsed['Message'];
    if (typeof m === 'string') return m;
  } catch {
    // not JSON: the text itself
  }
  return body === '' ? fallback : body;
}

/** A recorded run (ADR 0026) as the attempt it was: HTTP 200, success or a function error. */
export function attemptOfRecord(r: RunRecord): Attempt {
  const body = r.payload ?? '';
  return {
    kind: invokeKindOf(200, r.functionError, ASYNC_INVOKE_RULES),
    statusCode: 200,
    ...(r.functionError === undefined ? {} : { functionError: r.functionError }),
    ...(r.executedVersion === undefined ? {} : { executedVersion: r.executedVersion }),
    ...(r.payload === undefined ? {} : { responsePayload: r.payload }),
    errorMessage: errorMessageOf(body, 'HTTP 200'),
  };
}

/**
 * Runs the event synchronously once on its function (and qualifier), unless `runs` has the
 * record of this attempt having run to the end already (a pickup after a dispatcher died).
 */
export async function invokeAsyncEvent(
  client: AsyncInvoker,
  job: AsyncJobData,
  runs?: { readonly records: Pick<RunRecords, 'find' | 'headers'>; readonly startedCount: number },
  trace?: TraceParent,
): Promise<Attempt> {
  const ref =
    job.qualifier === undefined ? job.functionName : `${job.functionName}:${job.qualifier}`;
  const recorded = await runs?.records.find(job, runs.startedCount);
  if (recorded !== undefined) return { ...attemptOfRecord(recorded), recalled: true };
  const o = await client.invoke(
    ref,
    Buffer.from(job.payload, 'utf8'),
    job.requestId,
    trace === undefined
      ? runs?.records.headers(job)
      : { ...runs?.records.headers(job), ...traceHeaders(trace) },
  );
  if (o.statusCode === 0) return { kind: o.kind, statusCode: 500, errorMessage: o.body };
  return {
    kind: o.kind,
    statusCode: o.statusCode,
    ...(o.functionError === undefined ? {} : { functionError: o.functionError }),
    ...(o.executedVersion === undefined ? {} : { executedVersion: o.executedVersion }),
    responsePayload: o.body,
    // Only a failure's text is ever used (the dead letter, lastFailure): a success's body is
    // not parsed for one (ADR 0053).
    errorMessage: o.kind === 'success' ? '' : errorMessageOf(o.body, `HTTP ${o.statusCode}`),
  };
}

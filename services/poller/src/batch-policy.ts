/**
 * The Kafka retry rules (reference §5) as one pure decision: given how one invoke of a
 * partition's records ended, what happens next. BatchProcessor carries it out (commits,
 * sleeps, the on-failure destination); this file only decides, like the dispatcher's
 * retry-policy.ts.
 *
 * Invariants: nothing is skipped silently — every step either succeeds, waits and tries the
 * same records again, or names the records given up on and why; `succeeded` counts only a
 * leading run of records the function reported as done (ReportBatchItemFailures), never a
 * record after a failed one; throttles and system errors never use a retry attempt, and
 * neither does splitting a batch (bisect); MaximumRetryAttempts -1 retries forever.
 */
import {
  backoffDelay,
  type BackoffOptions,
  type KafkaRecordInput,
  parseItemFailures,
} from '@lamina/core';

import type { InvokeOutcome } from './kafka-invoker.js';

/** The mapping's rules that decide retries. */
export interface BatchRules {
  /** Retries after a failed invoke; -1 = until success or expiry. */
  readonly retries: number;
  readonly bisect: boolean;
  /** FunctionResponseTypes includes ReportBatchItemFailures. */
  readonly reportItemFailures: boolean;
  /** Delays of waits and retries (base, cap, jitter; random injectable). */
  readonly backoff: BackoffOptions;
}

/** Where one run over `offsets` stands before this answer. */
export interface BatchState {
  readonly topic: string;
  readonly partition: number;
  /** Offsets of the records the invoke carried, in order. */
  readonly offsets: readonly string[];
  /** Failed invokes of these records so far (retries used). */
  readonly attempts: number;
  /** Throttles and system errors so far (they grow the wait, not the attempts). */
  readonly waits: number;
}

export type BatchStep =
  /** Every record done: commit them all. */
  | { readonly kind: 'succeed' }
  /** 429: hold the whole mapping (the throttle gate) for `delayMs`, then the same records. */
  | { readonly kind: 'throttle'; readonly delayMs: number }
  /** 5xx, 404, no answer: wait `delayMs`, then the same records. */
  | { readonly kind: 'wait'; readonly delayMs: number }
  /** One record alone is too large to invoke: give it up (MaximumPayloadSizeExceeded). */
  | { readonly kind: 'too-large' }
  /** A failure: commit the first `succeeded`, then run the rest as two halves split at `mid`. */
  | { readonly kind: 'bisect'; readonly succeeded: number; readonly mid: number }
  /** A failure: commit the first `succeeded`, wait `delayMs`, retry the rest (`attempts` used). */
  | {
      readonly kind: 'retry';
      readonly succeeded: number;
      readonly attempts: number;
      readonly delayMs: number;
    }
  /** A failure with no retry left: commit the first `succeeded`, give up the rest. */
  | { readonly kind: 'give-up'; readonly succeeded: number; readonly attempts: number };

/** How many leading records of a successful answer the function reported as done. */
function reportedDone(body: string, s: BatchState, rules: BatchRules): number | 'all' {
  if (!rules.reportItemFailures) return 'all';
  const f = parseItemFailures(body, s.topic, s.partition, s.offsets);
  if (f.kind === 'none') return 'all';
  if (f.kind === 'from') return Math.max(0, s.offsets.indexOf(f.offset));
  return 0;
}

/** The next step after one invoke of the records `s.offsets`. */
export function nextBatchStep(outcome: InvokeOutcome, s: BatchState, rules: BatchRules): BatchStep {
  let succeeded = 0;
  switch (outcome.kind) {
    case 'success': {
      const done = reportedDone(outcome.body, s, rules);
      if (done === 'all') return { kind: 'succeed' };
      succeeded = done;
      break;
    }
    case 'throttle':
      return { kind: 'throttle', delayMs: backoffDelay(s.waits, rules.backoff) };
    case 'system-error':
      return { kind: 'wait', delayMs: backoffDelay(s.waits, rules.backoff) };
    case 'too-large':
      if (s.offsets.length === 1) return { kind: 'too-large' };
      break;
    case 'function-error':
    case 'rejected':
      break;
  }
  const rest = s.offsets.length - succeeded;
  if (rules.bisect && rest > 1) return { kind: 'bisect', succeeded, mid: Math.ceil(rest / 2) };
  const attempts = s.attempts + 1;
  if (rules.retries !== -1 && attempts > rules.retries)
    return { kind: 'give-up', succeeded, attempts };
  return {
    kind: 'retry',
    succeeded,
    attempts,
    delayMs: backoffDelay(attempts - 1, rules.backoff),
  };
}

/** Encoded event size a chunk stays under (the sync invoke limit is 6 MB). */
const MAX_EVENT_BYTES = 5_500_000;

/** Records in offset order, cut into events of at most `batchSize` records and ~5.5 MB. */
export function* batchChunks(
  records: readonly KafkaRecordInput[],
  batchSize: number,
): Generator<KafkaRecordInput[]> {
  let chunk: KafkaRecordInput[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = 200 + ((r.key?.length ?? 0) + (r.value?.length ?? 0)) * 1.4;
    if (chunk.length > 0 && (chunk.length >= batchSize || bytes + size > MAX_EVENT_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Spans of one Kafka batch (tracing on): `kafka batch` for the records of one partition handed
 * to the processor, with a child `invoke` per call of the function (its traceparent and
 * X-Amzn-Trace-Id go to the gateway, whose spans join under it) and a child `commit` per offset
 * commit. Kept beside the BatchProcessor as decorators of its invoker and sink, so the retry
 * rules in batch-processor.ts read the same with tracing on or off.
 *
 * Invariants: built only when `tracing.enabled` (no allocation per batch when off); a batch
 * starts its own trace (a batch mixes records of many producers); spans end in `finally`.
 */
import { traceHeaders } from '@lamina/core';
import type { SpanHandle, Tracing } from '@lamina/service-kit';

import type { PartitionSink } from './partition-sink.js';
import type { Invoker } from './kafka-invoker.js';

export interface BatchTrace {
  readonly invoker: Invoker;
  readonly sink: PartitionSink;
  end(): void;
}

export function traceBatch(
  tracing: Tracing,
  where: { readonly mappingUuid: string; readonly topic: string; readonly partition: number },
  count: number,
  invoker: Invoker,
  sink: PartitionSink,
): BatchTrace {
  const batch = tracing.startSpan('kafka batch', {
    kind: 'consumer',
    attributes: {
      'messaging.system': 'kafka',
      'messaging.destination.name': where.topic,
      'messaging.destination.partition.id': String(where.partition),
      'messaging.batch.message_count': count,
      'lamina.mapping': where.mappingUuid,
    },
  });
  const child = (name: string, kind: 'client' | 'internal'): SpanHandle =>
    tracing.startSpan(name, { parent: batch.position, kind });
  return {
    invoker: {
      async invoke(functionRef, payload, requestId, headers) {
        const span = child('invoke', 'client');
        span.setAttribute('faas.invoked_name', functionRef);
        span.setAttribute('faas.invocation_id', requestId);
        try {
          const outcome = await invoker.invoke(functionRef, payload, requestId, {
            ...headers,
            ...(span.position === undefined ? {} : traceHeaders(span.position)),
          });
          span.setAttribute('lamina.invoke.outcome', outcome.kind);
          if (outcome.kind !== 'success') span.fail(`invoke: ${outcome.kind}`);
          return outcome;
        } finally {
          span.end();
        }
      },
    },
    sink: {
      active: () => sink.active(),
      async commit(nextOffset) {
        const span = child('commit', 'internal');
        span.setAttribute('messaging.kafka.offset', nextOffset);
        try {
          await sink.commit(nextOffset);
        } catch (err) {
          span.fail(err instanceof Error ? err.message : String(err));
          throw err;
        } finally {
          span.end();
        }
      },
    },
    end: () => {
      batch.end();
    },
  };
}

/**
 * `Tracing` on the OpenTelemetry SDK: loaded only by `createTracing` when tracing is on (a
 * dynamic import), so a service with tracing off never loads these modules.
 *
 * Invariants: a span's parent is the explicit `TraceParent` (a remote span context), never the
 * active context; export is batched (BatchSpanProcessor) and never blocks a call; an export
 * failure is the exporter's to log, not the caller's to see.
 */
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { TraceParent } from '@lamina/core';

import type {
  SpanHandle,
  SpanKindName,
  SpanOptions,
  Tracing,
  TracingConfig,
} from './tracing-types.js';

const KINDS: Record<SpanKindName, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  internal: SpanKind.INTERNAL,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

function parentContext(parent: TraceParent | undefined): Context {
  if (parent === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

class OtelSpan implements SpanHandle {
  readonly position: TraceParent;

  constructor(private readonly span: Span) {
    const c = span.spanContext();
    this.position = {
      traceId: c.traceId,
      spanId: c.spanId,
      sampled: (c.traceFlags & 1) === 1, // TraceFlags.SAMPLED
    };
  }

  setAttribute(key: string, value: string | number | boolean): void {
    this.span.setAttribute(key, value);
  }

  fail(message: string): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(endMs?: number): void {
    this.span.end(endMs);
  }
}

export function createOtelTracing(config: TracingConfig): Tracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: config.tracesUrl }),
        scheduledDelayMillis: 500,
      }),
    ],
  });
  const tracer = provider.getTracer('lamina');
  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    startSpan(name: string, options: SpanOptions = {}): SpanHandle {
      const span = tracer.startSpan(
        name,
        {
          kind: KINDS[options.kind ?? 'internal'],
          ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
          ...(options.startMs === undefined ? {} : { startTime: options.startMs }),
        },
        parentContext(options.parent),
      );
      return new OtelSpan(span);
    },
    shutdown(): Promise<void> {
      stopping ??= provider.shutdown();
      return stopping;
    },
  };
}

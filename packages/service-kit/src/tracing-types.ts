/**
 * The shapes of service-kit's tracing (tracing.ts): what services hold and call, and what the
 * OpenTelemetry implementation (otel-tracing.ts, loaded only when tracing is on) provides. Types
 * only, so both sides import them without importing each other.
 */
import type { TraceParent } from '@lamina/core';

export type SpanKindName = 'server' | 'client' | 'internal' | 'producer' | 'consumer';
export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

export interface SpanOptions {
  /** The caller's span; absent: a new trace starts here. */
  readonly parent?: TraceParent | undefined;
  readonly kind?: SpanKindName;
  readonly attributes?: SpanAttributes;
  /** Epoch ms; default now (a span reconstructed from a measured phase passes its own). */
  readonly startMs?: number;
}

export interface SpanHandle {
  /** This span as a parent: for child spans and outgoing headers. Undefined when tracing is off. */
  readonly position: TraceParent | undefined;
  setAttribute(key: string, value: string | number | boolean): void;
  /** Marks the span failed (status ERROR) with a message. */
  fail(message: string): void;
  /** Ends the span now or at `endMs` (epoch ms). */
  end(endMs?: number): void;
}

export interface Tracing {
  readonly enabled: boolean;
  startSpan(name: string, options?: SpanOptions): SpanHandle;
  /** Exports what is buffered and stops; idempotent. */
  shutdown(): Promise<void>;
}

export interface TracingConfig {
  readonly serviceName: string;
  /** Full URL of the OTLP/HTTP traces endpoint (`…/v1/traces`). */
  readonly tracesUrl: string;
}

/**
 * The one tracing helper of every Lamina service (gateway, dispatcher, poller, `lamina dev`):
 * OpenTelemetry spans exported over OTLP/HTTP, configured by the standard `OTEL_*` variables.
 *
 * Why a wrapper and not @opentelemetry/api at each call site: tracing is off by default and must
 * cost nothing then — no SDK module loaded, no context manager, no allocation per call. So the
 * services hold a `Tracing`; `TRACING_OFF` is a constant whose `startSpan` returns one shared,
 * frozen no-op span, and hot paths test `tracing.enabled` before building anything. Only
 * `createTracing` with tracing switched on imports the SDK (dynamic import).
 *
 * Invariants: parents are explicit (`TraceParent`, core's wire form), never an ambient context,
 * so a span's parent is what crossed the wire (traceparent / X-Amzn-Trace-Id, job data, Kafka
 * headers) and no async-hooks context manager runs; spans never throw into the caller; `shutdown`
 * flushes what is buffered and is idempotent.
 */
import type { SpanHandle, Tracing, TracingConfig } from './tracing-types.js';

export type * from './tracing-types.js';

const NOOP_SPAN: SpanHandle = Object.freeze({
  position: undefined,
  setAttribute: () => undefined,
  fail: () => undefined,
  end: () => undefined,
});

/** Tracing switched off: every span is the same no-op object. */
export const TRACING_OFF: Tracing = Object.freeze({
  enabled: false,
  startSpan: () => NOOP_SPAN,
  shutdown: () => Promise.resolve(),
});

type Env = Readonly<Record<string, string | undefined>>;

/** A variable's trimmed value; undefined when unset or blank (as the OTEL_* spec reads them). */
function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Whether and where to export, from the standard variables. On only when asked:
 * `OTEL_TRACES_EXPORTER=otlp`, or an OTLP endpoint set and no `OTEL_TRACES_EXPORTER`
 * (`none` or any other exporter name, or `OTEL_SDK_DISABLED=true`, keep it off).
 */
export function tracingConfig(env: Env, defaultServiceName: string): TracingConfig | undefined {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  const tracesEndpoint = nonEmpty(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
  const endpoint = nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const on =
    exporters.length === 0
      ? tracesEndpoint !== undefined || endpoint !== undefined
      : exporters.includes('otlp');
  if (!on) return undefined;
  const tracesUrl =
    tracesEndpoint ?? `${(endpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  const serviceName = nonEmpty(env['OTEL_SERVICE_NAME']) ?? defaultServiceName;
  return { serviceName, tracesUrl };
}

/**
 * The service's tracing: `TRACING_OFF` unless `tracingConfig` says on, else an OpenTelemetry
 * tracer provider (parent-based, always-on sampler; batched OTLP/HTTP JSON export).
 */
export async function createTracing(env: Env, defaultServiceName: string): Promise<Tracing> {
  const config = tracingConfig(env, defaultServiceName);
  if (config === undefined) return TRACING_OFF;
  const { createOtelTracing } = await import('./otel-tracing.js');
  return createOtelTracing(config);
}

/**
 * Trace context on the wire: W3C `traceparent` and AWS's `X-Amzn-Trace-Id` (X-Ray) read and
 * written, so a call joins its caller's trace whichever header the caller speaks, and the
 * function sees `_X_AMZN_TRACE_ID` as on Lambda (`Root=1-…;Parent=…;Sampled=1`).
 *
 * Invariants: pure (no I/O, no clock); a trace id is 32 lower-case hex digits, a span id 16, and
 * neither is all zeros (both formats forbid it); the X-Ray root is the same 128 bits as the W3C
 * trace id — `1-` + the first 8 hex digits (the epoch seconds on X-Ray) + `-` + the other 24 —,
 * as OpenTelemetry's AWS X-Ray propagator maps them, so one id names the trace in both worlds.
 * A malformed header is ignored (a new trace starts), never an error: tracing must not refuse
 * a call.
 */

/** The caller's position in a trace: the span that the next span is a child of. */
export interface TraceParent {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits: the caller's span. */
  readonly spanId: string;
  readonly sampled: boolean;
}

/** The wire names, lower-case as node:http delivers them. */
export const TRACE_HEADERS = {
  traceparent: 'traceparent',
  amznTraceId: 'x-amzn-trace-id',
} as const;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** W3C `traceparent` (version 00 and later versions' first four fields); undefined when invalid. */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  if (value === undefined) return undefined;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (version === 'ff' || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  // Version 00 has exactly four fields.
  if (version === '00' && value.trim().length !== 55) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(p: TraceParent): string {
  return `00-${p.traceId}-${p.spanId}-${p.sampled ? '01' : '00'}`;
}

const XRAY_ROOT = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/;
const HEX16 = /^[0-9a-f]{16}$/;

/**
 * `X-Amzn-Trace-Id` (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`,
 * fields in any order, others ignored). Without a Parent there is no caller span to hang under:
 * undefined, as for a malformed header (Lambda then starts the trace itself).
 */
export function parseAmznTraceId(value: string | undefined): TraceParent | undefined {
  if (value === undefined) return undefined;
  let root: RegExpExecArray | null = null;
  let parent: string | undefined;
  let sampled = false;
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const v = part
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (key === 'Root') root = XRAY_ROOT.exec(v);
    else if (key === 'Parent' && HEX16.test(v)) parent = v;
    else if (key === 'Sampled') sampled = v === '1';
  }
  if (root === null || parent === undefined || parent === ZERO_SPAN) return undefined;
  const traceId = `${root[1] ?? ''}${root[2] ?? ''}`;
  if (traceId === ZERO_TRACE) return undefined;
  return { traceId, spanId: parent, sampled };
}

/** Lambda's `_X_AMZN_TRACE_ID` / `Lambda-Runtime-Trace-Id` form of a position in a trace. */
export function formatAmznTraceId(p: TraceParent): string {
  return `Root=1-${p.traceId.slice(0, 8)}-${p.traceId.slice(8)};Parent=${p.spanId};Sampled=${p.sampled ? '1' : '0'}`;
}

/** The caller's trace from request headers: `traceparent` wins, else `X-Amzn-Trace-Id`. */
export function incomingTraceParent(
  header: (name: string) => string | undefined,
): TraceParent | undefined {
  return (
    parseTraceparent(header(TRACE_HEADERS.traceparent)) ??
    parseAmznTraceId(header(TRACE_HEADERS.amznTraceId))
  );
}

/** Both headers for an outgoing call, so the callee joins the trace whichever it reads. */
export function traceHeaders(p: TraceParent): Record<string, string> {
  return {
    [TRACE_HEADERS.traceparent]: formatTraceparent(p),
    [TRACE_HEADERS.amznTraceId]: formatAmznTraceId(p),
  };
}

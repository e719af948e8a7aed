/**
 * A function's log as events (issue #22): what the gateway's logs API answers in both modes (local
 * mode reads the state folder's files, cluster mode the worker pods' logs) and what `lamina logs`
 * and the console print. Each event knows the invocation it belongs to, found the way Lambda's
 * log streams show it: a line between `START RequestId: X` and `REPORT RequestId: X` of the same
 * log stream (one execution environment runs one invocation at a time) is X's, unless the line
 * names its own request id as the runtimes' text format does (local mode's file has no streams).
 *
 * Invariants: pure (no I/O); `selectEvents` keeps the order of time, then of arrival, and returns
 * the newest `limit` events of those that match; a query never fails on an event's content.
 */
import { parsePlatformRecord } from './platform-log.js';

/** One line of a function's log. */
export interface LogEvent {
  /** Epoch milliseconds when it was logged. */
  readonly time: number;
  /** The line, without its newline. */
  readonly message: string;
  /** The execution environment's stream (`2026/12/07/[$LATEST]…`), when known. */
  readonly logStream?: string;
  /** The invocation it was written during, when known (START…REPORT). */
  readonly requestId?: string;
}

export interface LogQuery {
  /** Only events at or after this epoch-millisecond time. */
  readonly since?: number;
  /** Only events whose message matches. */
  readonly filter?: RegExp;
  /** Only the events of this invocation. */
  readonly requestId?: string;
  /** At most this many events: the newest ones. */
  readonly limit: number;
}

/** Where a mode keeps its functions' logs; the gateway's logs API reads it. */
export interface FunctionLogSource {
  /** The function's events matching the query, oldest first; [] when it has none. */
  read(functionName: string, query: LogQuery): Promise<readonly LogEvent[]>;
}

/** The most events one logs call answers. */
export const LOG_EVENTS_MAX = 10_000;

const PLATFORM = /^(START|END|REPORT) RequestId: ([^\s]+)/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The request id a runtime's own line format names: Node `time\tid\tLEVEL`, Python
 * `[L]\ttime\tid`, or a JSON application log line's `"requestId"` (LogFormat JSON).
 */
function namedRequestId(message: string): string | undefined {
  if (message.startsWith('{')) {
    const m = JSON_REQUEST_ID.exec(message);
    return m?.[1] !== undefined && UUID.test(m[1]) ? m[1] : undefined;
  }
  const fields = message.split('\t', 3);
  return fields.find((f, i) => i > 0 && UUID.test(f));
}

const JSON_REQUEST_ID = /"requestId":"([^"]+)"/;

/** START/END/REPORT of a Text line or the matching JSON platform record, with its request id. */
function platformMark(
  message: string,
): { kind: 'START' | 'END' | 'REPORT'; id: string } | undefined {
  const m = PLATFORM.exec(message);
  if (m !== null) return { kind: m[1] as 'START' | 'END' | 'REPORT', id: m[2] ?? '' };
  const r = parsePlatformRecord(message);
  if (r === undefined) return undefined;
  const kind = JSON_KINDS[r.type];
  return kind === undefined ? undefined : { kind, id: r.requestId };
}

const JSON_KINDS: Readonly<Record<string, 'START' | 'END' | 'REPORT' | undefined>> = {
  'platform.start': 'START',
  'platform.runtimeDone': 'END',
  'platform.report': 'REPORT',
};

/** Attaches each event's invocation, following START and REPORT per log stream. */
export function withRequestIds(events: readonly LogEvent[]): LogEvent[] {
  const current = new Map<string, string>();
  return events.map((e) => {
    const stream = e.logStream ?? '';
    const m = platformMark(e.message);
    if (m !== undefined) {
      if (m.kind === 'START') current.set(stream, m.id);
      else if (m.kind === 'REPORT') current.delete(stream);
      return e.requestId === undefined ? { ...e, requestId: m.id } : e;
    }
    if (e.requestId !== undefined) return e;
    const id = namedRequestId(e.message) ?? current.get(stream);
    return id === undefined ? e : { ...e, requestId: id };
  });
}

/** The events that match the query, sorted by time (stable), newest `limit` of them. */
export function selectEvents(events: readonly LogEvent[], q: LogQuery): LogEvent[] {
  const picked = events.filter(
    (e) =>
      (q.since === undefined || e.time >= q.since) &&
      (q.requestId === undefined || e.requestId === q.requestId) &&
      (q.filter === undefined || q.filter.test(e.message)),
  );
  const sorted = picked
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.time - b.e.time || a.i - b.i)
    .map(({ e }) => e);
  return sorted.length > q.limit ? sorted.slice(sorted.length - q.limit) : sorted;
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\t/;

/**
 * A line of local mode's log files (`<ISO-8601 time>\t<line>`, the CLI's function-logs.ts):
 * its time (undefined for older unstamped files) and text.
 */
export function parseStampedLine(raw: string): { time: number | undefined; text: string } {
  const m = STAMP.exec(raw);
  if (m === null) return { time: undefined, text: raw };
  return { time: Date.parse(m[1] ?? ''), text: raw.slice(m[0].length) };
}

/** One invocation as its REPORT line tells it (the console's recent invocations). */
export interface InvocationReport {
  readonly requestId: string;
  readonly time: number;
  readonly durationMs: number;
  readonly initDurationMs?: number;
  readonly maxMemoryUsedMb?: number;
  /** `error` or `timeout` when the REPORT says so (Lambda's `Status:` field). */
  readonly status?: string;
}

/** The REPORT line's (or JSON platform.report record's) fields, or undefined for any other line. */
export function parseReport(e: LogEvent): InvocationReport | undefined {
  if (e.message.startsWith('{')) return parseJsonReport(e);
  const m = /^REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms/.exec(e.message);
  if (m === null) return undefined;
  const init = /Init Duration: ([\d.]+) ms/.exec(e.message);
  const mem = /Max Memory Used: (\d+) MB/.exec(e.message);
  const status = /Status: (\w+)/.exec(e.message);
  return {
    requestId: m[1] ?? '',
    time: e.time,
    durationMs: Number(m[2]),
    ...(init === null ? {} : { initDurationMs: Number(init[1]) }),
    ...(mem === null ? {} : { maxMemoryUsedMb: Number(mem[1]) }),
    ...(status === null ? {} : { status: (status[1] ?? '').toLowerCase() }),
  };
}

/** A JSON `platform.report` record (LogFormat JSON) as an InvocationReport. */
function parseJsonReport(e: LogEvent): InvocationReport | undefined {
  const r = parsePlatformRecord(e.message);
  if (r?.type !== 'platform.report') return undefined;
  const metrics = (r.record['metrics'] ?? {}) as Record<string, unknown>;
  const num = (k: string): number | undefined =>
    typeof metrics[k] === 'number' ? metrics[k] : undefined;
  const init = num('initDurationMs');
  const mem = num('maxMemoryUsedMB');
  const status = r.record['status'];
  return {
    requestId: r.requestId,
    time: e.time,
    durationMs: num('durationMs') ?? 0,
    ...(init === undefined ? {} : { initDurationMs: init }),
    ...(mem === undefined ? {} : { maxMemoryUsedMb: mem }),
    ...(typeof status === 'string' && status !== 'success' ? { status } : {}),
  };
}

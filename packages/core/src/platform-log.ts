/**
 * The platform's own lines of an invocation in the function's log format (ADR 0041): Lambda's
 * `START`/`END`/`REPORT` text lines (log-format.ts) with the Text format, or its JSON system log
 * records with the JSON format —
 * `{"time":"…","type":"platform.start","record":{"requestId":"…","version":"$LATEST"}}`,
 * `platform.runtimeDone` (DEBUG, where Text has END) and `platform.report` with its metrics and
 * status — filtered by the system log level (WARN drops all three, INFO keeps start and report).
 *
 * Invariants: pure; `undefined` means "not written at this level"; with the Text format every
 * line is written exactly as log-format.ts spells it (no level applies to Text, as on AWS).
 */
import {
  billedDurationMs,
  endLine,
  type ReportFields,
  reportLine,
  startLine,
} from './log-format.js';
import type { FunctionLogging, SystemLogLevel } from './logging-config.js';

/** How an invocation ended, as Lambda's platform records say it. */
export type PlatformStatus = 'success' | 'error' | 'timeout' | 'failure';

export interface PlatformReport extends ReportFields {
  readonly status: PlatformStatus;
  /** The function error's type when the status is not success. */
  readonly errorType?: string;
}

/** The platform lines of one function's environments; each returns the line (with `\n`) or undefined. */
export interface PlatformLog {
  start(requestId: string, version: string): string | undefined;
  end(requestId: string, status: PlatformStatus): string | undefined;
  report(r: PlatformReport): string | undefined;
}

const SYSTEM_PRIORITY: Readonly<Record<SystemLogLevel, number>> = { DEBUG: 1, INFO: 2, WARN: 3 };

const TEXT: PlatformLog = Object.freeze({
  start: startLine,
  end: (requestId: string) => endLine(requestId),
  report: (r: PlatformReport) => reportLine(r),
});

const round2 = (ms: number): number => Math.round(ms * 100) / 100;

/** The platform lines for a function's logging settings; `now` stamps JSON records. */
export function platformLog(
  logging: FunctionLogging | undefined,
  now: () => Date = () => new Date(),
): PlatformLog {
  if (logging?.format !== 'JSON') return TEXT;
  const min = SYSTEM_PRIORITY[logging.systemLogLevel ?? 'INFO'];
  const record = (level: SystemLogLevel, type: string, body: object): string | undefined =>
    SYSTEM_PRIORITY[level] < min
      ? undefined
      : `${JSON.stringify({ time: now().toISOString(), type, record: body })}\n`;
  return {
    start: (requestId, version) => record('INFO', 'platform.start', { requestId, version }),
    end: (requestId, status) => record('DEBUG', 'platform.runtimeDone', { requestId, status }),
    report: (r) =>
      record('INFO', 'platform.report', {
        requestId: r.requestId,
        metrics: {
          durationMs: round2(r.durationMs),
          billedDurationMs: billedDurationMs(r.durationMs),
          memorySizeMB: r.memorySizeMb,
          maxMemoryUsedMB: Math.round(r.maxMemoryUsedMb),
          ...(r.initDurationMs === undefined ? {} : { initDurationMs: round2(r.initDurationMs) }),
        },
        status: r.status,
        ...(r.errorType === undefined || r.status === 'success' ? {} : { errorType: r.errorType }),
      }),
  };
}

/** A platform record's type and request id when `message` is one (JSON system logs). */
export function parsePlatformRecord(
  message: string,
): { type: string; requestId: string; record: Record<string, unknown> } | undefined {
  if (!message.startsWith('{"time":')) return undefined;
  try {
    const v = JSON.parse(message) as { type?: unknown; record?: unknown };
    if (typeof v.type !== 'string' || !v.type.startsWith('platform.')) return undefined;
    if (typeof v.record !== 'object' || v.record === null) return undefined;
    const record = v.record as Record<string, unknown>;
    const id = record['requestId'];
    return typeof id === 'string' ? { type: v.type, requestId: id, record } : undefined;
  } catch {
    return undefined;
  }
}

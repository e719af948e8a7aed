/**
 * Lambda's platform log lines, byte for byte (see reference §8), and the X-Amz-Log-Result tail.
 */

export interface ReportFields {
  readonly requestId: string;
  readonly durationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /** Only on an environment's first invocation. */
  readonly initDurationMs?: number;
}

/** X-Amz-Log-Result carries the last 4 KB of the invocation's log. */
export const LOG_TAIL_BYTES = 4096;

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}\n`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}\n`;
}

/** Billing rounds up to the next millisecond. */
export function billedDurationMs(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

export function reportLine(f: ReportFields): string {
  let line =
    `REPORT RequestId: ${f.requestId}\tDuration: ${f.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${billedDurationMs(f.durationMs)} ms\tMemory Size: ${f.memorySizeMb} MB\t` +
    `Max Memory Used: ${Math.round(f.maxMemoryUsedMb)} MB\t`;
  if (f.initDurationMs !== undefined) line += `Init Duration: ${f.initDurationMs.toFixed(2)} ms\t`;
  return `${line}\n`;
}

/** `2020-11-10T05:46:57.874Z <id> Task timed out after 3.00 seconds` */
export function timeoutMessage(requestId: string, timeoutSeconds: number, now: Date): string {
  return `${now.toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

/** How Lambda (a Go program) names the common signals in `Runtime exited with error`. */
const SIGNAL_TEXT: Readonly<Record<string, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGINT: 'interrupt',
  SIGBUS: 'bus error',
};

/** `RequestId: <id> Error: Runtime exited with error: signal: killed` (or `exit status N`). */
export function exitMessage(requestId: string, how: { signal?: string; code?: number }): string {
  const reason =
    how.signal !== undefined
      ? `signal: ${SIGNAL_TEXT[how.signal] ?? how.signal.replace(/^SIG/, '').toLowerCase()}`
      : `exit status ${how.code ?? 0}`;
  return `RequestId: ${requestId} Error: Runtime exited with error: ${reason}`;
}

/** base64 of the last 4 KB of a log, cut at a UTF-8 character boundary. */
export function logTail(log: string): string {
  let buf = Buffer.from(log, 'utf8');
  if (buf.length > LOG_TAIL_BYTES) {
    let start = buf.length - LOG_TAIL_BYTES;
    // Skip continuation bytes (10xxxxxx) so the tail starts on a character.
    while (start < buf.length && ((buf[start] ?? 0) & 0xc0) === 0x80) start++;
    buf = buf.subarray(start);
  }
  return buf.toString('base64');
}

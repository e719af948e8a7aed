/**
 * A container-image function's own lines in a cluster (ADR 0028, amended; issue #17, #22): the
 * function's image writes to its own container's log (the `function` container), which no other
 * container can be handed, so the agent's Tail and records hold the platform lines only. The
 * gateway reads the function container's log through the API server with the container runtime's
 * timestamps and places each line by time: for a call's Tail, the lines stamped from the call's
 * start go between the agent's `START` and `END` lines; for the logs API, the lines join the
 * agent's records of that pod, in the log stream of the agent record before them.
 *
 * Invariants: pure functions but `readImageLines`, which bounds its wait (`maxWaitMs`) and
 * never fails the call: an unreadable log gives no lines, and the Tail stays the agent's.
 * Known limits: a line is placed by when the container runtime read it, on the node's clock; a
 * line still in the runtime's pipe when the wait ends is not in the Tail (it is in the logs API).
 */
import type { LogEvent } from '@lamina/core';

/** A line of a container log read with `timestamps=true`: `<RFC 3339 time> <text>`. */
export interface StampedLine {
  readonly time: number;
  readonly text: string;
}

const K8S_STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d) (.*)$/;

/** The lines of a container log read with timestamps; lines without a stamp are skipped. */
export function stampedLines(log: string): StampedLine[] {
  const lines: StampedLine[] = [];
  for (const raw of log.split('\n')) {
    const m = K8S_STAMP.exec(raw);
    if (m === null) continue;
    // Milliseconds: Date.parse reads at most three fraction digits reliably.
    const fraction = (m[2] ?? '.000').slice(0, 4).padEnd(4, '0');
    const time = Date.parse(`${m[1] ?? ''}${fraction}${m[3] ?? 'Z'}`);
    if (Number.isNaN(time)) continue;
    lines.push({ time, text: m[4] ?? '' });
  }
  return lines;
}

/**
 * The Tail of an image function's call: the agent's log (`START`, then its `END`/`REPORT` and
 * any error line) with the function's own lines placed after `START`, before `END`. Without an
 * `END` line the function's lines go last. Newline-terminated, as the agent's log is.
 */
export function mergeTail(agentLog: string, functionLines: readonly string[]): string {
  if (functionLines.length === 0) return agentLog;
  const lines = agentLog.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let at = lines.findIndex((l) => l.startsWith('END RequestId: '));
  if (at < 0) at = lines.length;
  lines.splice(at, 0, ...functionLines);
  return `${lines.join('\n')}\n`;
}

/** What reading an image function's container log needs of the API server. */
export type ReadContainerLog = (o: {
  readonly pod: string;
  readonly sinceSeconds: number;
}) => Promise<string>;

export interface ReadImageLinesOptions {
  readonly read: ReadContainerLog;
  readonly pod: string;
  /** The call's start (ms since the epoch): lines stamped before it are not the call's. */
  readonly sinceMs: number;
  readonly now?: () => number;
  /** Reads `pollMs` apart until two agree, at most this long (default 1,500 ms). */
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
}

/**
 * The function container's lines of a call that just ended: the container runtime copies the
 * container's output to its log a little after the function wrote it, so the log is read again
 * until two reads `pollMs` apart agree, bounded by `maxWaitMs`.
 */
export async function readImageLines(o: ReadImageLinesOptions): Promise<string[]> {
  const now = o.now ?? Date.now;
  const pollMs = o.pollMs ?? 150;
  const until = now() + (o.maxWaitMs ?? 1500);
  const read = async (): Promise<StampedLine[] | undefined> => {
    const sinceSeconds = Math.max(1, Math.ceil((now() - o.sinceMs) / 1000) + 1);
    const log = await o.read({ pod: o.pod, sinceSeconds }).catch(() => undefined);
    return log === undefined ? undefined : stampedLines(log).filter((l) => l.time >= o.sinceMs);
  };
  let last = await read();
  if (last === undefined) return [];
  while (now() < until) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const next = await read();
    if (next === undefined) break;
    const same = next.length === last.length;
    last = next;
    if (same) break;
  }
  return last.map((l) => l.text);
}

/**
 * The logs API's events of an image function's pod: the agent's records (`agent`, already
 * events) and the function container's stamped lines, by time, each function line in the log
 * stream of the agent record before it (so a `START`…`REPORT` pair claims the lines between).
 */
export function podEventsWithImageLines(
  agent: readonly LogEvent[],
  lines: readonly StampedLine[],
): LogEvent[] {
  const all: { e: LogEvent; fromAgent: boolean }[] = [
    ...agent.map((e) => ({ e, fromAgent: true })),
    ...lines.map((l) => ({ e: { time: l.time, message: l.text }, fromAgent: false })),
  ];
  all.sort((a, b) => a.e.time - b.e.time || Number(b.fromAgent) - Number(a.fromAgent));
  let stream: string | undefined;
  return all.map(({ e, fromAgent }) => {
    if (fromAgent) {
      stream = e.logStream;
      return e;
    }
    return stream === undefined ? e : { ...e, logStream: stream };
  });
}

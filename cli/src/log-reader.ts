/**
 * Reads a function's log file of the local state folder (written by `function-logs.ts`): the
 * lines since a time, matching a filter, optionally following the file as it grows.
 *
 * Invariants: a line is printed whole or not at all (a partial last line waits for its newline
 * while following); unstamped lines (older files) have no time and pass any --since.
 */
import { closeSync, existsSync, openSync, readSync, statSync, watch } from 'node:fs';
import { dirname } from 'node:path';

import { parseStampedLine } from '@lamina/core';

export interface LogLine {
  readonly time: number | undefined;
  readonly text: string;
}

export const parseLogLine: (raw: string) => LogLine = parseStampedLine;

/** `10s`, `5m`, `2h`, `1d` before now, or an ISO-8601 time. */
export function parseSince(value: string, now: number): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (m !== null) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
    ];
    return now - Number(m[1]) * unit;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new Error(`--since takes a duration (30s, 5m, 2h, 1d) or an ISO time, not ${value}`);
  return t;
}

export interface ReadLogOptions {
  readonly file: string;
  readonly since: number | undefined;
  readonly filter: RegExp | undefined;
  readonly timestamps: boolean;
  readonly write: (text: string) => void;
}

export function selectLine(line: LogLine, o: Pick<ReadLogOptions, 'since' | 'filter'>): boolean {
  if (o.since !== undefined && line.time !== undefined && line.time < o.since) return false;
  return o.filter === undefined || o.filter.test(line.text);
}

/** Prints what the file holds from `offset`; returns the offset after the last whole line. */
export function printFrom(o: ReadLogOptions, offset: number): number {
  if (!existsSync(o.file)) return offset;
  const size = statSync(o.file).size;
  if (size < offset) offset = 0; // truncated or replaced: start again
  if (size === offset) return offset;
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(o.file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, offset);
  } finally {
    closeSync(fd);
  }
  const text = buf.toString('utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return offset;
  for (const raw of text.slice(0, end).split('\n')) {
    const line = parseLogLine(raw);
    if (!selectLine(line, o)) continue;
    const time =
      o.timestamps && line.time !== undefined ? `${new Date(line.time).toISOString()} ` : '';
    o.write(`${time}${line.text}\n`);
  }
  return offset + Buffer.byteLength(text.slice(0, end + 1));
}

/** Follows the file until `stop` resolves. */
export async function follow(
  o: ReadLogOptions,
  offset: number,
  stop: Promise<void>,
): Promise<void> {
  let at = offset;
  const drain = (): void => {
    at = printFrom(o, at);
  };
  const watcher = watch(dirname(o.file), drain);
  const poll = setInterval(drain, 1000); // watch events can be missed on some filesystems
  try {
    drain();
    await stop;
  } finally {
    clearInterval(poll);
    watcher.close();
  }
}

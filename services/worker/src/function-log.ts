import type { LogSink } from './types.js';

const MAX_COLLECTED_LINES = 2000;

/**
 * The log of one execution environment: every line goes to the sink; while an invocation asks for
 * its log (Tail), its lines are also collected. Lines written during init are kept for the first
 * invocation's tail, as Lambda shows init output there.
 */
export class FunctionLog {
  private collector: string[] | undefined;
  private initLines: string[] | undefined = [];

  constructor(
    private readonly functionName: string,
    private readonly logStreamName: string,
    private readonly sink: LogSink | undefined,
  ) {}

  line(l: string): void {
    this.sink?.(this.functionName, l, this.logStreamName);
    const into = this.collector ?? this.initLines;
    if (into === undefined) return;
    into.push(l);
    // Only the last 4 KB are ever returned: keep the recent half when a chatty handler floods.
    if (into.length > MAX_COLLECTED_LINES) into.splice(0, into.length - MAX_COLLECTED_LINES / 2);
  }

  /** A platform line from core's platform-log (ends with a newline; undefined: filtered out). */
  platform(text: string | undefined): void {
    if (text === undefined) return;
    this.line(text.endsWith('\n') ? text.slice(0, -1) : text);
  }

  /** Starts an invocation; its lines are collected when `tail` is set. */
  begin(tail: boolean): void {
    this.collector = tail ? (this.initLines ?? []) : undefined;
    this.initLines = undefined;
  }

  /** Ends the invocation; returns its collected log (newline-terminated lines) if asked for. */
  end(): string | undefined {
    const lines = this.collector;
    this.collector = undefined;
    return lines === undefined ? undefined : `${lines.join('\n')}\n`;
  }
}

/**
 * The worker agent's function log on stdout (ADR 0050): each line of the function and each
 * platform line (START/END/REPORT) stays one pino record
 * `{"level":30,"time":…,<the agent's bindings>,"stream":"function","logStream":…,"msg":<line>}`
 * (the cluster's logs API reads them, pod-log-source.ts), but the records are written in
 * batches: one `write` per batch instead of one per line.
 *
 * Invariants: records leave in the order they were logged (START before the function's lines
 * before END and REPORT); a batch is written at most `flushMs` after its first record, as soon
 * as it holds `maxBytes`, when an invocation ends, and synchronously when the process exits (a
 * signal's or a fatal error's exit included) — only a SIGKILL of the agent itself can lose what
 * the last `flushMs` logged. A crash of the function's process loses nothing: its lines were
 * read before it died and are written by the agent, which lives on.
 */
import { pino, type Logger } from 'pino';

export interface LineBatchOptions {
  /** Where a batch goes: called with whole records only, synchronously. */
  readonly write: (text: string) => void;
  /** The longest a record waits for its batch to be written. */
  readonly flushMs: number;
  /** A batch this large is written at once. */
  readonly maxBytes: number;
}

/** Whole records gathered into one write (see the file's invariants). */
export class LineBatch {
  private pending: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.flush();
  };

  constructor(private readonly o: LineBatchOptions) {}

  /** A stream pino can write to: each call is one whole record. */
  write(record: string): void {
    this.pending.push(record);
    this.bytes += record.length;
    if (this.bytes >= this.o.maxBytes) {
      this.flush();
      return;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, this.o.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is gathered, now (synchronously). */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? (this.pending[0] ?? '') : this.pending.join('');
    this.pending = [];
    this.bytes = 0;
    this.o.write(text);
  }
}

/** A record waits at most this long in the agent (a SIGKILLed agent loses at most this much). */
export const FUNCTION_LOG_FLUSH_MS = 50;
/** A batch is written once it holds this many bytes. */
export const FUNCTION_LOG_MAX_BATCH_BYTES = 64 * 1024;

/**
 * The agent's stdout for function records: one synchronous writer (pino's, which retries a full
 * pipe) behind a LineBatch, flushed when the process exits. `close` writes what is left and
 * stops listening for the exit.
 */
export function stdoutLineBatch(fd = 1): { batch: LineBatch; close(): void } {
  const out = pino.destination({ dest: fd, sync: true });
  const batch = new LineBatch({
    write: (text) => {
      out.write(text);
    },
    flushMs: FUNCTION_LOG_FLUSH_MS,
    maxBytes: FUNCTION_LOG_MAX_BATCH_BYTES,
  });
  const onExit = (): void => {
    batch.flush();
  };
  process.once('exit', onExit);
  return {
    batch,
    close: () => {
      batch.flush();
      process.removeListener('exit', onExit);
    },
  };
}

/**
 * A logger for function records into `batch`: the level and bindings of `logger` (the agent's,
 * or a specialised pod's child with the function's name and version) plus `stream: function`.
 */
export function functionLogger(logger: Logger, batch: LineBatch): Logger {
  return pino({ level: logger.level, base: { ...logger.bindings(), stream: 'function' } }, batch);
}

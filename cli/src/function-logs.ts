import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where function log lines go in local mode: the terminal of `lamina dev` (prefixed with the
 * function name) and one append-only file per function under the state directory, which
 * `lamina logs` reads.
 *
 * Batched off the invoke path: a line is only appended to a buffer; all lines of one event-loop
 * turn (START, handler output, END, REPORT of every call that ended in it) leave in one append
 * per file and one terminal write, at the end of the turn (setImmediate) or at once past 64 KB.
 * The appends are synchronous writes to a descriptor kept open per function: no thread-pool
 * round trip per line, and a line is in the kernel when its turn ends, so a crash of the process
 * after that loses nothing; lines of the crashing turn are written by the `exit` hook.
 *
 * File format: one line per log line, `<ISO-8601 time>\t<line>` (the time it was logged), so
 * `lamina logs --since` can select by time; `log-reader.ts` reads it (and older unstamped files).
 */
export class FunctionLogs {
  private readonly files = new Map<string, { fd: number | undefined; text: string }>();
  private terminal = '';
  private pending = 0;
  private scheduled = false;
  private dirReady = false;
  private closed = false;
  private readonly now: () => number;
  private stampMs = -1;
  private stamp = '';
  private readonly onExit = (): void => {
    this.flushNow();
  };

  constructor(
    private readonly options: {
      dir: string;
      write: (text: string) => void;
      echo: boolean;
      /** The clock stamping stored lines (default Date.now). */
      now?: () => number;
    },
  ) {
    this.now = options.now ?? Date.now;
    process.on('exit', this.onExit);
  }

  static fileOf(dir: string, functionName: string): string {
    return join(dir, `${functionName}.log`);
  }

  line = (functionName: string, line: string): void => {
    const text = line.endsWith('\n') ? line : `${line}\n`;
    if (this.options.echo) this.terminal += `[${functionName}] ${text}`;
    const ms = this.now();
    if (ms !== this.stampMs) {
      this.stampMs = ms;
      this.stamp = new Date(ms).toISOString();
    }
    const file = this.fileOf(functionName);
    file.text += `${this.stamp}\t${text}`;
    this.pending += text.length;
    if (this.pending >= 65_536) this.flushNow();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.flushNow();
      });
    }
  };

  private fileOf(functionName: string): { fd: number | undefined; text: string } {
    let file = this.files.get(functionName);
    if (file === undefined) {
      file = { fd: this.open(functionName), text: '' };
      this.files.set(functionName, file);
    }
    return file;
  }

  private open(functionName: string): number | undefined {
    if (this.closed) return undefined;
    try {
      if (!this.dirReady) {
        mkdirSync(this.options.dir, { recursive: true });
        this.dirReady = true;
      }
      return openSync(FunctionLogs.fileOf(this.options.dir, functionName), 'a');
    } catch {
      return undefined; // the terminal copy still has the lines
    }
  }

  /** Writes every buffered line now. */
  private flushNow(): void {
    this.scheduled = false;
    this.pending = 0;
    if (this.terminal !== '') {
      const text = this.terminal;
      this.terminal = '';
      this.options.write(text);
    }
    for (const file of this.files.values()) {
      if (file.text === '') continue;
      const text = file.text;
      file.text = '';
      if (file.fd === undefined) continue;
      try {
        writeSync(file.fd, text);
      } catch {
        // A full disk must not take the platform down; the terminal copy still has the line.
        closeSync(file.fd);
        file.fd = undefined;
      }
    }
  }

  /** Writes what is buffered and closes every file; idempotent. */
  flush(): Promise<void> {
    this.flushNow();
    if (!this.closed) {
      this.closed = true;
      process.off('exit', this.onExit);
      for (const file of this.files.values()) if (file.fd !== undefined) closeSync(file.fd);
      this.files.clear();
    }
    return Promise.resolve();
  }
}

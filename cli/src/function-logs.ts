import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * Where function log lines go in local mode: the terminal of `lamina dev` (prefixed with the
 * function name) and one append-only file per function under the state directory, which
 * `lamina logs` reads. One open stream per function keeps the invoke path free of file
 * opens; the stream batches writes while the disk is busy.
 *
 * File format: one line per log line, `<ISO-8601 time>\t<line>` (the time it was written), so
 * `lamina logs --since` can select by time; `log-reader.ts` reads it (and older unstamped files).
 */
export class FunctionLogs {
  private readonly streams = new Map<string, WriteStream>();
  private dirReady = false;

  constructor(
    private readonly options: {
      dir: string;
      write: (text: string) => void;
      echo: boolean;
      /** The clock stamping stored lines (default Date.now). */
      now?: () => number;
    },
  ) {}

  static fileOf(dir: string, functionName: string): string {
    return join(dir, `${functionName}.log`);
  }

  line = (functionName: string, line: string): void => {
    const text = line.endsWith('\n') ? line : `${line}\n`;
    if (this.options.echo) this.options.write(`[${functionName}] ${text}`);
    const stamp = new Date((this.options.now ?? Date.now)()).toISOString();
    this.streamOf(functionName).write(`${stamp}\t${text}`);
  };

  private streamOf(functionName: string): WriteStream {
    let stream = this.streams.get(functionName);
    if (stream === undefined) {
      if (!this.dirReady) {
        mkdirSync(this.options.dir, { recursive: true });
        this.dirReady = true;
      }
      stream = createWriteStream(FunctionLogs.fileOf(this.options.dir, functionName), {
        flags: 'a',
      });
      // A full disk must not take the platform down; the terminal copy still has the line.
      stream.on('error', () => this.streams.delete(functionName));
      this.streams.set(functionName, stream);
    }
    return stream;
  }

  /** Flushes and closes every file; idempotent. */
  async flush(): Promise<void> {
    const open = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(
      open.map(
        (s) =>
          new Promise<void>((resolve) =>
            s.end(() => {
              resolve();
            }),
          ),
      ),
    );
  }
}

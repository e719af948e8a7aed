import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where function log lines go in local mode: the terminal of `lamina dev` (prefixed with the
 * function name) and one file per function under the state directory, which `lamina logs` reads.
 * Appends are queued per function so lines keep their order.
 */
export class FunctionLogs {
  private readonly queues = new Map<string, Promise<void>>();
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly options: {
      dir: string;
      write: (text: string) => void;
      echo: boolean;
    },
  ) {}

  static fileOf(dir: string, functionName: string): string {
    return join(dir, `${functionName}.log`);
  }

  line = (functionName: string, line: string): void => {
    const text = line.endsWith('\n') ? line : `${line}\n`;
    if (this.options.echo) this.options.write(`[${functionName}] ${text}`);
    this.ready ??= mkdir(this.options.dir, { recursive: true });
    const file = FunctionLogs.fileOf(this.options.dir, functionName);
    const prev = this.queues.get(functionName) ?? this.ready.then(() => undefined);
    const next = prev.then(() => appendFile(file, text)).catch(() => undefined);
    this.queues.set(functionName, next);
  };

  async flush(): Promise<void> {
    await Promise.all(this.queues.values());
  }
}

/**
 * Local mode's function logs for the logs API (issue #22): the files `lamina dev` appends to
 * (`<stateDir>/logs/<name>.log`, one `<ISO time>\t<line>` per line, written by the CLI's
 * function-logs.ts), read from their end.
 *
 * Invariants: reads at most `maxBytes` from the end of a file (a partial first line is dropped);
 * a missing file is an empty log; unstamped lines (older files) get the time of the line before.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';

import {
  type FunctionLogSource,
  type LogEvent,
  type LogQuery,
  parseStampedLine,
  selectEvents,
  withRequestIds,
} from '@lamina/core';

export class FileLogSource implements FunctionLogSource {
  constructor(
    private readonly dir: string,
    private readonly maxBytes = 4 * 1024 * 1024,
  ) {}

  async read(functionName: string, query: LogQuery): Promise<readonly LogEvent[]> {
    const text = await this.tail(join(this.dir, `${functionName}.log`));
    const events: LogEvent[] = [];
    let last = 0;
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      const { time, text: message } = parseStampedLine(raw);
      last = time ?? last;
      events.push({ time: last, message });
    }
    return selectEvents(withRequestIds(events), query);
  }

  private async tail(file: string): Promise<string> {
    let handle;
    try {
      handle = await open(file, 'r');
    } catch {
      return '';
    }
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - this.maxBytes);
      const buf = Buffer.alloc(size - start);
      await handle.read(buf, 0, buf.length, start);
      const text = buf.toString('utf8');
      const whole = text.slice(0, text.lastIndexOf('\n') + 1);
      return start === 0 ? whole : whole.slice(whole.indexOf('\n') + 1);
    } finally {
      await handle.close();
    }
  }
}

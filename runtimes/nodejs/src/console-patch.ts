import { format } from 'node:util';

/** Where log lines go (process.stdout in the runtime) and which request they belong to. */
export interface LogTarget {
  write(text: string): unknown;
}

export interface RequestIdSource {
  /** `undefined` (the string) outside an invocation, as in Lambda's logs. */
  requestId: string;
}

type Level = 'INFO' | 'WARN' | 'ERROR' | 'DEBUG' | 'TRACE';

/**
 * One log line in Lambda's Node.js text format: `<ISO>\t<requestId>\t<LEVEL>\t<message>`.
 * Newlines inside the message become `\r` so a multi-line message stays one log event.
 */
export function formatLogLine(requestId: string, level: Level, message: string): string {
  return `${new Date().toISOString()}\t${requestId}\t${level}\t${message.replace(/\n/g, '\r')}\n`;
}

/** Replaces the console methods so user code logs in Lambda's format, tagged with the request. */
export function patchConsole(target: LogTarget, source: RequestIdSource): void {
  const make =
    (level: Level) =>
    (...args: unknown[]): void => {
      target.write(formatLogLine(source.requestId, level, format(...args)));
    };
  /* eslint-disable no-console -- the runtime's job: route user code's console calls to the log */
  console.log = make('INFO');
  console.info = make('INFO');
  console.warn = make('WARN');
  console.error = make('ERROR');
  console.debug = make('DEBUG');
  console.trace = make('TRACE');
  /* eslint-enable no-console */
}

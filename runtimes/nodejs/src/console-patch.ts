import { format } from 'node:util';

/** Where log lines go (process.stdout in the runtime) and which request they belong to. */
export interface LogTarget {
  write(text: string): unknown;
}

export interface RequestIdSource {
  /** `undefined` (the string) outside an invocation, as in Lambda's logs. */
  requestId: string;
}

export type Level = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

const PRIORITY: Readonly<Record<Level, number>> = {
  TRACE: 1,
  DEBUG: 2,
  INFO: 3,
  WARN: 4,
  ERROR: 5,
  FATAL: 6,
};

/**
 * The function's LoggingConfig as the runtime sees it (ADR 0041): `AWS_LAMBDA_LOG_FORMAT=JSON`
 * and `AWS_LAMBDA_LOG_LEVEL`, read as the official client (aws-lambda-ric) reads them: any other
 * format is text, an unknown or absent level is TRACE (everything).
 */
export interface LogSettings {
  readonly json: boolean;
  readonly minLevel: Level;
}

export function logSettingsOf(env: Readonly<Record<string, string | undefined>>): LogSettings {
  const level = env['AWS_LAMBDA_LOG_LEVEL']?.toUpperCase() ?? '';
  return {
    json: env['AWS_LAMBDA_LOG_FORMAT']?.toUpperCase() === 'JSON',
    minLevel: level in PRIORITY ? (level as Level) : 'TRACE',
  };
}

/**
 * One log line in Lambda's Node.js text format: `<ISO>\t<requestId>\t<LEVEL>\t<message>`.
 * Newlines inside the message become `\r` so a multi-line message stays one log event.
 */
export function formatLogLine(requestId: string, level: Level, message: string): string {
  return `${new Date().toISOString()}\t${requestId}\t${level}\t${message.replace(/\n/g, '\r')}\n`;
}

const errorFields = (e: Error): Record<string, unknown> => ({
  errorType: e.constructor.name,
  errorMessage: e.message,
  stackTrace: typeof e.stack === 'string' ? e.stack.split('\n') : [],
});

/**
 * One log line in Lambda's Node.js JSON format: `{"timestamp","level","requestId","message"}`;
 * one argument is the message as it is (an Error as its type, message and stack), several are
 * formatted as console.log does, the first Error among them adding its fields.
 */
export function formatJsonLogLine(
  requestId: string,
  level: Level,
  args: readonly unknown[],
): string {
  const head = { timestamp: new Date().toISOString(), level, requestId };
  let text: string;
  if (args.length <= 1) {
    try {
      text = JSON.stringify({ ...head, message: args[0] }, (_k, v: unknown) =>
        // The error's own enumerable fields (code, …) after the three Lambda names, as the RIC does.
        v instanceof Error ? Object.assign(errorFields(v), v) : v,
      );
    } catch {
      text = JSON.stringify({ ...head, message: format(args[0]) });
    }
  } else {
    const error = args.find((a): a is Error => a instanceof Error);
    text = JSON.stringify({
      ...head,
      message: format(...args),
      ...(error === undefined ? {} : errorFields(error)),
    });
  }
  return `${text.replace(/\n/g, '\r')}\n`;
}

/** A logger writing in the current settings' format, dropping levels below the minimum. */
export function logWriter(
  target: LogTarget,
  source: RequestIdSource,
  settings: () => LogSettings,
): (level: Level, args: readonly unknown[]) => void {
  return (level, args) => {
    const s = settings();
    if (PRIORITY[level] < PRIORITY[s.minLevel]) return;
    target.write(
      s.json
        ? formatJsonLogLine(source.requestId, level, args)
        : formatLogLine(source.requestId, level, format(...args)),
    );
  };
}

/**
 * Makes writes to `stream` finish before they return when it is a pipe (ADR 0050): Node.js
 * writes a pipe without blocking and queues what the pipe does not take, so a function killed
 * at once after logging (SIGKILL, the out-of-memory killer) lost its last lines — 172 of 3,000
 * reached the reader in a test. Blocking, each line is in the pipe when `console.log` returns
 * (the same one `write` per line while the reader keeps up). Files and terminals are left alone.
 */
export function blockingWrites(stream: NodeJS.WriteStream): void {
  const handle = (stream as { _handle?: { setBlocking?: (on: boolean) => unknown } })._handle;
  if (!stream.isTTY) handle?.setBlocking?.(true);
}

/** Replaces the console methods so user code logs in Lambda's format, tagged with the request. */
export function patchConsole(
  target: LogTarget,
  source: RequestIdSource,
  settings: () => LogSettings = () => ({ json: false, minLevel: 'TRACE' }),
): void {
  const write = logWriter(target, source, settings);
  const make =
    (level: Level) =>
    (...args: unknown[]): void => {
      write(level, args);
    };
  /* eslint-disable no-console -- the runtime's job: route user code's console calls to the log */
  console.log = make('INFO');
  console.info = make('INFO');
  console.warn = make('WARN');
  console.error = make('ERROR');
  console.debug = make('DEBUG');
  console.trace = make('TRACE');
  // As aws-lambda-ric adds it.
  (console as Console & { fatal?: (...args: unknown[]) => void }).fatal = make('FATAL');
  /* eslint-enable no-console */
}

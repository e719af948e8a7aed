import { exitMessage, LIMITS, timeoutMessage } from '@lamina/core';

/** How a runtime process ended. */
export interface ExitHow {
  readonly code?: number;
  readonly signal?: string;
}

/** A platform-made function error: the body the caller gets, its type, and the log lines. */
export interface PlatformError {
  readonly payload: Buffer;
  readonly errorType: string;
  readonly logLines: readonly string[];
}

const body = (o: object): Buffer => Buffer.from(JSON.stringify(o));

/** The handler ran past its timeout: `<ISO> <id> Task timed out after 3.00 seconds`. */
export function timeoutError(requestId: string, timeoutSeconds: number, now: Date): PlatformError {
  const message = timeoutMessage(requestId, timeoutSeconds, now);
  return {
    payload: body({ errorMessage: message }),
    errorType: 'Sandbox.Timedout',
    logLines: [message],
  };
}

/**
 * The runtime exited (crash, process.exit, killed for memory) during the invocation. A clean exit
 * (status 0) is reported as Lambda does: `Runtime exited without providing a reason`; so is an
 * end whose status is unknown (an image function's container, `external-runtime.ts`).
 */
export function exitError(requestId: string, how: ExitHow): PlatformError {
  const message =
    how.signal === undefined && (how.code === 0 || how.code === undefined)
      ? `RequestId: ${requestId} Error: Runtime exited without providing a reason`
      : exitMessage(requestId, {
          ...(how.signal !== undefined ? { signal: how.signal } : {}),
          ...(how.code !== undefined ? { code: how.code } : {}),
        });
  return {
    payload: body({ errorType: 'Runtime.ExitError', errorMessage: message }),
    errorType: 'Runtime.ExitError',
    logLines: [message, 'Runtime.ExitError'],
  };
}

/** The runtime command could not be started at all. */
export function entrypointError(requestId: string, command: string, reason: string): PlatformError {
  const message = `RequestId: ${requestId} Error: fork/exec ${command}: ${reason}`;
  return {
    payload: body({ errorType: 'Runtime.InvalidEntrypoint', errorMessage: message }),
    errorType: 'Runtime.InvalidEntrypoint',
    logLines: [message, 'Runtime.InvalidEntrypoint'],
  };
}

/** The code directory (the runtime's working directory) does not exist. */
export function workingDirError(requestId: string, dir: string): PlatformError {
  const message = `RequestId: ${requestId} Error: chdir ${dir}: no such file or directory`;
  return {
    payload: body({ errorType: 'Runtime.InvalidWorkingDir', errorMessage: message }),
    errorType: 'Runtime.InvalidWorkingDir',
    logLines: [message, 'Runtime.InvalidWorkingDir'],
  };
}

/** The response was larger than the 6 MB limit; the caller gets this instead. */
export function responseTooLargeError(size: number): PlatformError {
  const max = LIMITS.syncResponseMaxBytes;
  const errorMessage = `Response payload size (${size} bytes) exceeded maximum allowed payload size (${max} bytes).`;
  return {
    payload: body({ errorType: 'Function.ResponseSizeTooLarge', errorMessage }),
    errorType: 'Function.ResponseSizeTooLarge',
    logLines: [],
  };
}

/** The error type of an error body the runtime posted, when it sent no header. */
export function errorTypeOf(header: string | undefined, payload: Buffer): string {
  if (header !== undefined && header !== '') return header;
  try {
    const parsed = JSON.parse(payload.toString()) as { errorType?: unknown };
    if (typeof parsed.errorType === 'string') return parsed.errorType;
  } catch {
    // Not JSON: fall through.
  }
  return 'Runtime.Unknown';
}

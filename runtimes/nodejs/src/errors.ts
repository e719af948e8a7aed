/**
 * Errors of the runtime itself and the shape in which errors travel to the Runtime API, as
 * Lambda's Node.js runtime sends them: `{errorType, errorMessage, trace}`.
 */

/** The JSON body POSTed to `/invocation/{id}/error` and `/init/error`. */
export interface ErrorBody {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** An error raised by the runtime while loading the handler; `name` is the Lambda error type. */
export class RuntimeInitError extends Error {
  constructor(errorType: InitErrorType, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = errorType;
  }
}

export type InitErrorType =
  | 'Runtime.ImportModuleError'
  | 'Runtime.HandlerNotFound'
  | 'Runtime.UserCodeSyntaxError'
  | 'Runtime.MalformedHandlerName'
  | 'Runtime.UnhandledPromiseRejection';

/**
 * An async handler's promise still pending when the event loop ran empty: nothing is left that
 * could settle it. Lambda's Node.js runtime fails the invocation with this type and text, and the
 * environment goes on to the next one.
 */
export class NodeJsExitError extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly ' +
        'caused by a Promise that was never settled. For more information, see ' +
        'https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
    this.name = 'Runtime.NodeJsExit';
  }
}

/** Wraps a cause as `<Type>: <cause name>: <cause message>`, the way Lambda reports load errors. */
export function wrapCause(errorType: InitErrorType, cause: unknown): RuntimeInitError {
  const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new RuntimeInitError(errorType, text, { cause });
}

function isErrorLike(value: unknown): value is Error {
  return (
    value instanceof Error ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { message?: unknown }).message === 'string' &&
      typeof (value as { stack?: unknown }).stack === 'string')
  );
}

// DEL characters would break the header; Lambda's runtime escapes them the same way.
const escapeDel = (s: string): string => s.replace(/\x7F/g, '%7F');

/** The body Lambda's Node.js runtime sends for a handler error or a value passed to `callback(err)`. */
export function toErrorBody(error: unknown): ErrorBody {
  try {
    if (isErrorLike(error)) {
      return {
        errorType: escapeDel(error.name),
        errorMessage: escapeDel(error.message),
        trace: escapeDel(error.stack ?? '').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

/** What the runtime logs for an error: the same fields, `stack` instead of `trace`. */
export function formatErrorForLog(body: ErrorBody): string {
  return JSON.stringify({
    errorType: body.errorType,
    errorMessage: body.errorMessage,
    stack: body.trace,
  });
}

/* eslint-disable n/no-process-env -- this file is the runtime program itself: Lambda hands a
   runtime its configuration through the environment, and the runtime sets _X_AMZN_TRACE_ID. */
/**
 * Lamina's Node.js runtime interface client: `node bootstrap.js`, cwd = the task root. Loads the
 * handler named by `_HANDLER`, then loops on the Runtime API at AWS_LAMBDA_RUNTIME_API.
 *
 * Started as a generic runtime (LAMINA_GENERIC_ENVIRONMENT=1, no function variables; ADR 0019),
 * it first asks Lamina's specialization request for a function, replaces its whole environment
 * with the answer, changes to the task root, confirms, and only then reads its configuration and
 * loads the handler: the handler sees what a freshly spawned runtime would have been given.
 */
import {
  blockingWrites,
  logSettingsOf,
  logWriter,
  patchConsole,
  type RequestIdSource,
} from './console-patch.js';
import type { FunctionInfo } from './context.js';
import { formatErrorForLog, toErrorBody, wrapCause } from './errors.js';
import { loadHandler, type Handler } from './handler-loader.js';
import { RuntimeClient, type ApiResponse } from './runtime-client.js';
import { EmptyLoopHook, runHandler, type HandlerOutcome } from './run-handler.js';
import { installAwslambdaGlobal, isStreamingHandler, ResponseStream } from './response-stream.js';

const env = process.env;
const logSource: RequestIdSource = { requestId: 'undefined' };
const out = process.stdout;
// The function's log format and level (LoggingConfig); read again when a generic runtime specialises.
let logSettings = logSettingsOf(env);
const writeLog = logWriter(out, logSource, () => logSettings);

function logError(label: string, error: unknown): ReturnType<typeof toErrorBody> {
  const body = toErrorBody(error);
  writeLog('ERROR', [`${label} \t${formatErrorForLog(body)}`]);
  return body;
}

const endpoint = env['AWS_LAMBDA_RUNTIME_API'];
if (endpoint === undefined || endpoint === '') {
  process.stderr.write('AWS_LAMBDA_RUNTIME_API is not set\n');
  process.exit(1);
}

const client = new RuntimeClient(endpoint);
const emptyLoop = new EmptyLoopHook();
let info: FunctionInfo = functionInfo();

function functionInfo(): FunctionInfo {
  return {
    functionName: env['AWS_LAMBDA_FUNCTION_NAME'] ?? '',
    functionVersion: env['AWS_LAMBDA_FUNCTION_VERSION'] ?? '$LATEST',
    memoryLimitInMB: env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] ?? '128',
    logGroupName: env['AWS_LAMBDA_LOG_GROUP_NAME'] ?? '',
    logStreamName: env['AWS_LAMBDA_LOG_STREAM_NAME'] ?? '',
  };
}

interface Specialization {
  readonly environment: Record<string, string>;
  readonly taskRoot: string;
}

/** Waits for a function, then becomes it: environment, working directory, function info. */
async function specialize(): Promise<void> {
  const answer = await client.specialization();
  if (answer.status !== 200) {
    throw new Error(`specialization answered ${String(answer.status)}: ${answer.body.toString()}`);
  }
  const spec = JSON.parse(answer.body.toString()) as Specialization;
  // Cleared first, so even the variables' order is a fresh runtime's.
  for (const name of Object.keys(env)) Reflect.deleteProperty(env, name);
  Object.assign(env, spec.environment);
  process.chdir(spec.taskRoot);
  info = functionInfo();
  logSettings = logSettingsOf(env);
  await client.specialized();
}
/** The invocation in flight, if any; used to report errors that escape the handler. */
let inFlight: string | undefined;
let initialized = false;

// Nothing logged is lost when the process is killed right after (ADR 0050).
blockingWrites(process.stdout);
blockingWrites(process.stderr);
patchConsole(out, logSource, () => logSettings);

// The platform that started us is gone (killed without stopping us): do not live on as an
// orphan. Unref'd, so it never keeps the event loop (and callback handlers) waiting.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) process.exit(1);
}, 1000).unref();
process.on('beforeExit', () => {
  emptyLoop.fire();
});

/** Reports an error that escaped user code, then exits like Lambda's runtime (128/129). */
function fatal(label: string, error: unknown, exitCode: number): void {
  const body = logError(label, error);
  const json = JSON.stringify(body);
  const posted =
    inFlight !== undefined
      ? client.postError(inFlight, json, body.errorType)
      : initialized
        ? Promise.resolve()
        : client.postInitError(json, body.errorType);
  posted
    .catch(() => undefined)
    .finally(() => {
      process.exit(exitCode);
    });
}

process.on('uncaughtException', (err) => {
  fatal('Uncaught Exception', err, 129);
});
process.on('unhandledRejection', (reason) => {
  fatal('Unhandled Promise Rejection', wrapCause('Runtime.UnhandledPromiseRejection', reason), 128);
});

async function init(): Promise<Handler> {
  installAwslambdaGlobal();
  try {
    return await loadHandler(env['LAMBDA_TASK_ROOT'] ?? process.cwd(), env['_HANDLER'] ?? '');
  } catch (err) {
    const body = logError('Uncaught Exception', err);
    await client.postInitError(JSON.stringify(body), body.errorType).catch(() => undefined);
    process.exit(1);
  }
}

/** Runs one invocation; answers it and asks for the next one in the same write. */
async function invoke(
  handler: Handler,
  streaming: boolean,
  next: ApiResponse,
): Promise<ApiResponse> {
  if (next.status !== 200) {
    throw new Error(`Runtime API /next answered ${next.status}: ${next.body.toString()}`);
  }
  const requestId = next.headers['lambda-runtime-aws-request-id'] ?? '';
  inFlight = requestId;
  logSource.requestId = requestId;
  const traceId = next.headers['lambda-runtime-trace-id'];
  if (traceId !== undefined) env['_X_AMZN_TRACE_ID'] = traceId;
  else delete env['_X_AMZN_TRACE_ID'];

  let outcome: HandlerOutcome;
  const stream = streaming ? new ResponseStream(endpoint ?? '', requestId) : undefined;
  try {
    const event: unknown = next.body.length === 0 ? {} : JSON.parse(next.body.toString());
    const run: Handler = stream === undefined ? handler : (ev, ctx) => handler(ev, stream, ctx);
    outcome = await runHandler(run, event, info, requestId, next.headers, emptyLoop);
  } catch (err) {
    outcome = { ok: false, error: err };
  }
  if (stream !== undefined && (outcome.ok || stream.opened)) {
    // A streamed answer: ended here if the handler did not; a late failure goes in its trailers.
    if (!outcome.ok) stream.fail(logError('Invoke Error', outcome.error));
    else if (!stream.writableEnded) stream.end();
    await stream.done;
    inFlight = undefined;
    return client.next();
  }
  if (outcome.ok) {
    let json: string | undefined;
    try {
      // undefined for a function or a symbol, which Lambda answers as null.
      json = JSON.stringify(outcome.result === undefined ? null : outcome.result);
    } catch (err) {
      outcome = { ok: false, error: err };
    }
    if (outcome.ok) {
      inFlight = undefined;
      return client.respondAndNext(requestId, json ?? 'null');
    }
  }
  const body = logError('Invoke Error', outcome.error);
  inFlight = undefined;
  return client.failAndNext(requestId, JSON.stringify(body), body.errorType);
}

async function main(): Promise<void> {
  if (env['LAMINA_GENERIC_ENVIRONMENT'] === '1') await specialize();
  const handler = await init();
  initialized = true;
  const streaming = isStreamingHandler(handler);
  let next = await client.next();
  for (;;) next = await invoke(handler, streaming, next);
}

main().catch((err: unknown) => {
  // The Runtime API is gone (the environment was stopped) or answered an error: exit.
  process.stderr.write(`lamina runtime: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

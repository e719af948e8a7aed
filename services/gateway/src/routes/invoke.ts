import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  type FunctionRef,
  type Invocation,
  type InvocationResult,
  INVOKE_HEADERS,
  isJsonText,
  LIMITS,
  logTail,
  functionRefIn,
  RUN_RECORD_HEADER,
  TooManyRequestsException,
  LaminaError,
} from '@lamina/core';
import { type Request, type Response, Router } from 'express';

import { readRawBody, tooLarge, unparsable } from '../http/body.js';
import type { AppDeps, Clock } from '../deps.js';
import type { StateTransitions } from '../state-transitions.js';
import type { InvokeTarget, InvokeTargets } from '../invoke-targets.js';
import { type RequestContext, requestContext } from '../http/request-context.js';
import { pathParam } from '../resolve-function.js';
import { invokeEvent } from './invoke-event.js';
import { type InvokeSpans, InvokeTrace } from './invoke-trace.js';

export type InvokeDeps = Pick<
  AppDeps,
  'config' | 'pool' | 'admission' | 'logger' | 'async' | 'functions' | 'tracing'
> & {
  readonly targets: Pick<InvokeTargets, 'resolve'>;
  readonly clock: Clock;
  /** A function this process is still making Active is waited for (local mode, milliseconds). */
  readonly transitions?: Pick<StateTransitions, 'settled'>;
};

const OPERATION = 'InvokeFunction';
const EMPTY_PAYLOAD = Buffer.from('{}');
const CLIENT_CONTEXT_MAX = 3583;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type InvokeType = 'RequestResponse' | 'DryRun' | 'Event';

function invocationType(value: string | undefined): InvokeType {
  if (value === undefined || value === '' || value === 'RequestResponse') return 'RequestResponse';
  if (value === 'DryRun' || value === 'Event') return value;
  throw new LaminaError(
    'InvalidParameterValueException',
    `Value '${value}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
  );
}

const asyncDisabled = (): LaminaError =>
  new LaminaError(
    'InvalidParameterValueException',
    'Asynchronous invocation (X-Amz-Invocation-Type: Event) is not enabled in this Lamina installation.',
  );

export function tailLog(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'None') return false;
  if (value === 'Tail') return true;
  throw new LaminaError(
    'InvalidParameterValueException',
    `Value '${value}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`,
  );
}

/** X-Amz-Client-Context: base64 of a JSON object, at most 3583 bytes; returns the JSON text. */
export function clientContext(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > CLIENT_CONTEXT_MAX) {
    throw new LaminaError(
      'InvalidRequestContentException',
      `Client context must be at most ${CLIENT_CONTEXT_MAX} bytes of base64-encoded JSON.`,
    );
  }
  const text = BASE64.test(value) ? Buffer.from(value, 'base64').toString('utf8') : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LaminaError(
      'InvalidRequestContentException',
      'Client context must be a valid Base64-encoded JSON object.',
    );
  }
  return text;
}

export function header(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** The Qualifier query parameter, without parsing a query string that is not there. */
function qualifierParam(req: Request): string | undefined {
  if (!req.url.includes('?')) return undefined;
  const q: unknown = req.query['Qualifier'];
  return typeof q === 'string' ? q : undefined;
}

/**
 * Refuses a payload that is not JSON. The scanner (core's isJsonText) decides without building
 * the value (ADR 0050); only a refused payload is parsed, for the parser's detail in Lambda's
 * message.
 */
function checkJson(payload: Buffer): void {
  if (isJsonText(payload)) return;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw unparsable(err);
  }
}

export function responseTooLarge(result: InvocationResult): InvocationResult {
  const payload = Buffer.from(
    JSON.stringify({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size (${result.payload.length} bytes) exceeded maximum allowed payload size (${LIMITS.syncResponseMaxBytes} bytes).`,
    }),
  );
  return {
    ...result,
    payload,
    contentType: 'application/json',
    functionError: 'Unhandled',
    errorType: 'Function.ResponseSizeTooLarge',
  };
}

/** Admits the invocation (429 when throttled), runs it in the pool, releases the lease. */
export async function runAdmitted(
  deps: Pick<InvokeDeps, 'admission' | 'pool'>,
  functionName: string,
  target: InvokeTarget,
  invocation: Invocation,
  logs: Pick<RequestContext, 'log'>,
  spans?: InvokeSpans,
): Promise<InvocationResult> {
  const m = target.metrics;
  let lease;
  try {
    lease = await deps.admission.acquire(functionName, target.timeoutMs);
  } catch (err) {
    if (err instanceof TooManyRequestsException) m.throttles.inc();
    throw err;
  }
  m.concurrentExecutions.inc();
  try {
    const traced = spans === undefined ? invocation : { ...invocation, traceId: spans.admitted() };
    return await deps.pool.invoke(target.config, traced);
  } finally {
    m.concurrentExecutions.dec();
    // Sent without waiting for its reply: the answer does not depend on it.
    // The request's logger is made only if this fails (RequestContext makes it on first use).
    deps.admission.release(lease).catch((err: unknown) => {
      logs.log.warn({ err }, 'releasing the admission lease failed; it expires on its own');
    });
  }
}

/** Lambda's invocation metrics of one finished run. */
export function recordResult(m: InvokeTarget['metrics'], result: InvocationResult): void {
  m.invocations.inc();
  m.duration.observe(result.durationMs / 1000);
  if (result.functionError !== undefined) m.functionErrors.inc();
  if (result.coldStart) {
    m.coldStarts.inc();
    if (result.initDurationMs !== undefined) m.initDuration.observe(result.initDurationMs / 1000);
  }
  if (result.provisioned === true) m.provisionedInvocations.inc();
  else if (m.allocated() > 0) m.provisionedSpillover.inc();
}

/** 200 with the payload; the function error and the log tail ride in headers; one write. */
function writeResult(
  res: ServerResponse,
  requestId: string,
  result: InvocationResult,
  tail: boolean,
): void {
  const headers: string[] = [
    'Content-Type',
    result.contentType ?? 'application/json',
    'Content-Length',
    String(result.payload.length),
    'x-amzn-RequestId',
    requestId,
    'X-Amz-Executed-Version',
    result.executedVersion,
  ];
  if (result.functionError !== undefined)
    headers.push('X-Amz-Function-Error', result.functionError);
  if (tail) headers.push('X-Amz-Log-Result', logTail(result.log ?? ''));
  // Headers and payload leave the socket in one write.
  res.cork();
  res.writeHead(200, headers);
  res.end(result.payload);
  res.uncork();
}

/** Event: queued durably, then 202 (the dispatcher runs it through this same API later). */
export async function queueEvent(
  deps: InvokeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  ref: FunctionRef,
  legacy = false,
): Promise<void> {
  if (deps.async === undefined) throw asyncDisabled();
  // The dead-letter target of $LATEST's configuration (Lambda's is per version).
  const deadLetterTarget = deps.functions.get(ref.name)?.spec.deadLetterTargetArn;
  const tracing = deps.tracing;
  await invokeEvent(
    { async: deps.async, clock: deps.clock, tracing },
    req,
    res,
    ctx,
    { ...ref, deadLetterTarget },
    legacy,
  );
}

/** The request payload: at most 6 MB of JSON; an empty body is `{}`. */
export async function payloadOf(req: IncomingMessage): Promise<Buffer> {
  return invokePayload(await readRawBody(req, LIMITS.syncRequestMaxBytes, OPERATION));
}

/** A body already in hand (the in-process entry, ADR 0055) as payloadOf takes a read one. */
export function invokePayload(body: Buffer): Buffer {
  if (body.length >= LIMITS.syncRequestMaxBytes)
    throw tooLarge(LIMITS.syncRequestMaxBytes, OPERATION);
  if (body.length === 0) return EMPTY_PAYLOAD;
  checkJson(body);
  return body;
}

/**
 * Invoke (`POST /2015-03-31/functions/:name/invocations`): the hot path. Header checks run
 * synchronously before the body is awaited; the function's config, ARNs and metric children
 * come from the target cache (memory); one Redis round trip admits, and the release is sent
 * without waiting for its reply. Event goes to the async queue, DryRun stops after validation.
 * The common RequestResponse call usually arrives through the fast path (invoke-fast-path.ts),
 * which shares everything from `invokeTarget` on.
 */
async function invoke(deps: InvokeDeps, req: Request, res: Response): Promise<void> {
  const ctx = requestContext(res, deps.logger);
  const ref = functionRefIn(deps.config, pathParam(req, 'name'), qualifierParam(req));
  const target = await resolveTarget(deps, ctx, ref);
  const type = invocationType(header(req, INVOKE_HEADERS.invocationType));
  if (type === 'Event') {
    await queueEvent(deps, req, res, ctx, ref);
    return;
  }
  await invokeTarget(deps, req, res, ctx, ref.name, target, type === 'DryRun');
}

/**
 * $LATEST, a version or an alias (a weighted one picks its version here), from memory. A function
 * still Pending is ResourceConflictException, unless this process is making it Active right now
 * (local mode): then the call waits for that and resolves again.
 */
export function resolveTarget(
  deps: Pick<InvokeDeps, 'targets' | 'transitions'>,
  ctx: Pick<RequestContext, 'functionName'>,
  ref: FunctionRef,
): InvokeTarget | Promise<InvokeTarget> {
  ctx.functionName = ref.name;
  const target = deps.targets.resolve(ref);
  if (target.notInvocable === undefined) return target;
  const settling = deps.transitions?.settled(ref.name);
  if (settling === undefined) throw target.notInvocable;
  return settling.then(() => {
    const again = deps.targets.resolve(ref);
    if (again.notInvocable !== undefined) throw again.notInvocable;
    return again;
  });
}

/**
 * What both entries of a sync invoke (HTTP, and in process for a dispatcher beside the gateway:
 * ADR 0055) run between the request and the answer: the trace, a dispatcher's run record
 * (ADR 0026/0048: running while it runs, then its outcome), admission and the environment, the
 * response size limit. The caller answers and then counts the run (`recordResult`).
 */
export async function runRecorded(
  deps: Pick<InvokeDeps, 'admission' | 'pool' | 'async' | 'tracing'>,
  req: Pick<IncomingMessage, 'headers'>,
  ctx: RequestContext,
  functionName: string,
  target: InvokeTarget,
  invocation: Invocation,
): Promise<InvocationResult> {
  const { requestId } = ctx;
  const trace =
    deps.tracing?.enabled === true
      ? new InvokeTrace(deps.tracing, req, { functionName, requestId, arn: target.invokedArn })
      : undefined;
  const runRecord = header(req, RUN_RECORD_HEADER);
  deps.async?.runStarted?.(runRecord, functionName, requestId, target.timeoutMs);
  let result;
  try {
    result = await runAdmitted(deps, functionName, target, invocation, ctx, trace);
  } catch (err) {
    trace?.failed(err);
    deps.async?.runAbandoned?.(runRecord, functionName, requestId);
    throw err;
  }
  trace?.finished(result);
  if (result.payload.length > LIMITS.syncResponseMaxBytes) result = responseTooLarge(result);
  deps.async?.recordRun?.(runRecord, functionName, requestId, result);
  return result;
}

/** A RequestResponse (or DryRun) call to a resolved target: checks, body, admission, answer. */
export async function invokeTarget(
  deps: InvokeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  functionName: string,
  target: InvokeTarget,
  dryRun: boolean,
): Promise<void> {
  const tail = tailLog(header(req, INVOKE_HEADERS.logType));
  const context = clientContext(header(req, INVOKE_HEADERS.clientContext));
  const payload = await payloadOf(req);
  if (dryRun) {
    res.writeHead(204, { 'x-amzn-RequestId': ctx.requestId });
    res.end();
    return;
  }
  const invocation: Invocation = {
    requestId: ctx.requestId,
    invokedFunctionArn: target.invokedArn,
    payload,
    tailLog: tail,
    ...(context === undefined ? {} : { clientContext: context }),
  };
  const result = await runRecorded(deps, req, ctx, functionName, target, invocation);
  // The caller's answer first; the run is counted in the same turn, before any other request.
  try {
    writeResult(res, ctx.requestId, result, tail);
  } finally {
    recordResult(target.metrics, result);
  }
}

export function invokeRoutes(deps: InvokeDeps): Router {
  const router = Router();
  router.post('/2015-03-31/functions/:name/invocations', (req, res) => invoke(deps, req, res));
  return router;
}

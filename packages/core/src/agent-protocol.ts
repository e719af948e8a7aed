/**
 * The wire between the invoke path and a worker agent (cluster mode, ADR 0014): one HTTP
 * request per invocation to a worker pod. The body is the payload both ways; everything else
 * travels in headers. Both sides use these functions, so the mapping is written once.
 */
import { ERROR_STATUS, LaminaError, type LambdaErrorName, ServiceException } from './errors.js';
import type { FunctionErrorKind, Invocation, InvocationResult } from './worker-protocol.js';

/** Path of the invoke call on the agent's port. */
export const AGENT_INVOKE_PATH = '/v1/invoke';
/** Readiness: 200 once the agent can take an invocation. */
export const AGENT_READY_PATH = '/readyz';

export const AGENT_HEADERS = {
  /** Request: which function and version the caller meant; an agent of another refuses. */
  function: 'x-lamina-function',
  version: 'x-lamina-version',
  requestId: 'x-lamina-request-id',
  invokedArn: 'x-lamina-invoked-function-arn',
  deadlineMs: 'x-lamina-deadline-ms',
  /** base64 of the decoded JSON text. */
  clientContext: 'x-lamina-client-context',
  /** base64 of the JSON text. */
  cognitoIdentity: 'x-lamina-cognito-identity',
  traceId: 'x-amzn-trace-id',
  /** `Tail` to get the invocation's log back. */
  logType: 'x-lamina-log-type',
  /** Response. */
  functionError: 'x-lamina-function-error',
  errorType: 'x-lamina-error-type',
  executedVersion: 'x-lamina-executed-version',
  /** base64 of the log text. */
  log: 'x-lamina-log',
  coldStart: 'x-lamina-cold-start',
  initDurationMs: 'x-lamina-init-duration-ms',
  durationMs: 'x-lamina-duration-ms',
  maxMemoryUsedMb: 'x-lamina-max-memory-used-mb',
  /** `1` when a provisioned-concurrency environment ran it. */
  provisioned: 'x-lamina-provisioned',
  /**
   * On a refusal: why the agent did not run the invocation at all, so the caller may try
   * another environment. `busy` (running one already), `draining` (shutting down),
   * `wrong-target` (another function or version).
   */
  refusal: 'x-lamina-agent-refusal',
} as const;

export type AgentRefusal = 'busy' | 'draining' | 'wrong-target';

/** The HTTP status of each refusal. */
export const AGENT_REFUSAL_STATUS: Readonly<Record<AgentRefusal, number>> = {
  busy: 429,
  draining: 503,
  'wrong-target': 421,
};

export type HeaderMap = Record<string, string>;
/** Headers as node's http module hands them over. */
export type IncomingHeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function unb64(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}

function one(headers: IncomingHeaderMap, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

function intHeader(headers: IncomingHeaderMap, name: string): number | undefined {
  const text = one(headers, name);
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** The target the request is for. */
export interface AgentTarget {
  readonly functionName: string;
  readonly version: string;
}

/** Request headers for one invocation. */
export function invocationHeaders(target: AgentTarget, invocation: Invocation): HeaderMap {
  const headers: HeaderMap = {
    'content-type': 'application/octet-stream',
    [AGENT_HEADERS.function]: target.functionName,
    [AGENT_HEADERS.version]: target.version,
    [AGENT_HEADERS.requestId]: invocation.requestId,
    [AGENT_HEADERS.invokedArn]: invocation.invokedFunctionArn,
  };
  if (invocation.deadlineMs !== undefined) {
    headers[AGENT_HEADERS.deadlineMs] = String(invocation.deadlineMs);
  }
  if (invocation.clientContext !== undefined) {
    headers[AGENT_HEADERS.clientContext] = b64(invocation.clientContext);
  }
  if (invocation.cognitoIdentity !== undefined) {
    headers[AGENT_HEADERS.cognitoIdentity] = b64(invocation.cognitoIdentity);
  }
  if (invocation.traceId !== undefined) headers[AGENT_HEADERS.traceId] = invocation.traceId;
  if (invocation.tailLog) headers[AGENT_HEADERS.logType] = 'Tail';
  return headers;
}

export interface ParsedAgentRequest {
  readonly target: AgentTarget;
  readonly invocation: Invocation;
}

/**
 * The agent's reading of a request. Throws a LaminaError (InvalidRequestContentException
 * semantics are the caller's: here a missing header is a platform bug, ServiceException).
 */
export function parseInvocationRequest(
  headers: IncomingHeaderMap,
  payload: Buffer,
): ParsedAgentRequest {
  const need = (name: string): string => {
    const value = one(headers, name);
    if (value === undefined || value === '') {
      throw new ServiceException(`worker agent request without ${name}`);
    }
    return value;
  };
  const deadlineMs = intHeader(headers, AGENT_HEADERS.deadlineMs);
  const clientContext = one(headers, AGENT_HEADERS.clientContext);
  const cognitoIdentity = one(headers, AGENT_HEADERS.cognitoIdentity);
  const traceId = one(headers, AGENT_HEADERS.traceId);
  return {
    target: { functionName: need(AGENT_HEADERS.function), version: need(AGENT_HEADERS.version) },
    invocation: {
      requestId: need(AGENT_HEADERS.requestId),
      invokedFunctionArn: need(AGENT_HEADERS.invokedArn),
      payload,
      tailLog: one(headers, AGENT_HEADERS.logType) === 'Tail',
      ...(deadlineMs === undefined ? {} : { deadlineMs }),
      ...(clientContext === undefined ? {} : { clientContext: unb64(clientContext) }),
      ...(cognitoIdentity === undefined ? {} : { cognitoIdentity: unb64(cognitoIdentity) }),
      ...(traceId === undefined ? {} : { traceId }),
    },
  };
}

/** Response headers of a 200: the invocation ran (a function error is still a 200). */
export function resultHeaders(result: InvocationResult): HeaderMap {
  const headers: HeaderMap = {
    'content-type': result.contentType ?? 'application/json',
    [AGENT_HEADERS.executedVersion]: result.executedVersion,
    [AGENT_HEADERS.coldStart]: result.coldStart ? '1' : '0',
    [AGENT_HEADERS.durationMs]: String(result.durationMs),
  };
  if (result.functionError !== undefined) {
    headers[AGENT_HEADERS.functionError] = result.functionError;
  }
  if (result.errorType !== undefined) headers[AGENT_HEADERS.errorType] = result.errorType;
  if (result.log !== undefined) headers[AGENT_HEADERS.log] = b64(result.log);
  if (result.initDurationMs !== undefined) {
    headers[AGENT_HEADERS.initDurationMs] = String(result.initDurationMs);
  }
  if (result.maxMemoryUsedMb !== undefined) {
    headers[AGENT_HEADERS.maxMemoryUsedMb] = String(result.maxMemoryUsedMb);
  }
  if (result.provisioned === true) headers[AGENT_HEADERS.provisioned] = '1';
  return headers;
}

const FUNCTION_ERRORS: ReadonlySet<string> = new Set<FunctionErrorKind>(['Unhandled', 'Handled']);

/** The caller's reading of a 200. */
export function parseResult(
  headers: IncomingHeaderMap,
  payload: Buffer,
  fallbackVersion: string,
): InvocationResult {
  const functionError = one(headers, AGENT_HEADERS.functionError);
  const errorType = one(headers, AGENT_HEADERS.errorType);
  const log = one(headers, AGENT_HEADERS.log);
  const contentType = one(headers, 'content-type');
  const initDurationMs = intHeader(headers, AGENT_HEADERS.initDurationMs);
  const maxMemoryUsedMb = intHeader(headers, AGENT_HEADERS.maxMemoryUsedMb);
  return {
    payload,
    executedVersion: one(headers, AGENT_HEADERS.executedVersion) ?? fallbackVersion,
    coldStart: one(headers, AGENT_HEADERS.coldStart) === '1',
    durationMs: intHeader(headers, AGENT_HEADERS.durationMs) ?? 0,
    ...(contentType === undefined ? {} : { contentType }),
    ...(functionError !== undefined && FUNCTION_ERRORS.has(functionError)
      ? { functionError: functionError as FunctionErrorKind }
      : {}),
    ...(errorType === undefined ? {} : { errorType }),
    ...(log === undefined ? {} : { log: unb64(log) }),
    ...(initDurationMs === undefined ? {} : { initDurationMs }),
    ...(maxMemoryUsedMb === undefined ? {} : { maxMemoryUsedMb }),
    ...(one(headers, AGENT_HEADERS.provisioned) === '1' ? { provisioned: true } : {}),
  };
}

/** Body of a non-200 answer. */
export interface AgentErrorBody {
  readonly errorType: string;
  readonly errorMessage: string;
}

/** A platform error as the agent sends it: status, headers and JSON body. */
export function agentErrorResponse(err: unknown): {
  status: number;
  body: AgentErrorBody;
} {
  const error = LaminaError.from(err);
  return { status: error.status, body: { errorType: error.name, errorMessage: error.message } };
}

function isLambdaErrorName(name: string): name is LambdaErrorName {
  return Object.hasOwn(ERROR_STATUS, name);
}

/** The caller's reading of a platform error answer; unknown shapes become ServiceException. */
export function parseAgentError(status: number, body: Buffer): LaminaError {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Partial<AgentErrorBody>;
    if (typeof parsed.errorType === 'string' && isLambdaErrorName(parsed.errorType)) {
      return new LaminaError(parsed.errorType, parsed.errorMessage ?? '');
    }
  } catch {
    // not JSON: fall through
  }
  return new ServiceException(`worker agent answered HTTP ${status}`);
}

/** A refusal's header value, when the answer is one. */
export function agentRefusal(headers: IncomingHeaderMap): AgentRefusal | undefined {
  const value = one(headers, AGENT_HEADERS.refusal);
  return value === 'busy' || value === 'draining' || value === 'wrong-target' ? value : undefined;
}

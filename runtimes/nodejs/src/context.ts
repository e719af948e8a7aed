/** What every invocation's context shares: read once from the environment at start-up. */
export interface FunctionInfo {
  readonly functionName: string;
  readonly functionVersion: string;
  /** A string, as in Lambda. */
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/** The completion callbacks the legacy `done/succeed/fail` methods call. */
export interface Completion {
  readonly done: (err: unknown, result?: unknown) => void;
  readonly succeed: (result: unknown) => void;
  readonly fail: (err: unknown) => void;
}

/** Lambda's Node.js context object. */
export interface LambdaContext extends FunctionInfo, Completion {
  readonly awsRequestId: string;
  readonly invokedFunctionArn: string;
  readonly identity: unknown;
  readonly clientContext: unknown;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/** Lower-case header names, as the Runtime API client gives them. */
export type InvocationHeaders = Readonly<Record<string, string | undefined>>;

function parseJsonHeader(value: string | undefined): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/** Builds the context of one invocation from the /next headers. */
export function createContext(
  info: FunctionInfo,
  requestId: string,
  headers: InvocationHeaders,
  completion: Completion,
): LambdaContext {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] ?? 0);
  return {
    functionName: info.functionName,
    functionVersion: info.functionVersion,
    memoryLimitInMB: info.memoryLimitInMB,
    logGroupName: info.logGroupName,
    logStreamName: info.logStreamName,
    awsRequestId: requestId,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'] ?? '',
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity']),
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context']),
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: completion.done,
    succeed: completion.succeed,
    fail: completion.fail,
  };
}

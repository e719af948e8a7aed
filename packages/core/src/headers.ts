/** HTTP headers of the Lambda Invoke API (lower-case, as node:http delivers them). */
export const INVOKE_HEADERS = {
  invocationType: 'x-amz-invocation-type',
  logType: 'x-amz-log-type',
  clientContext: 'x-amz-client-context',
  functionError: 'x-amz-function-error',
  logResult: 'x-amz-log-result',
  executedVersion: 'x-amz-executed-version',
  requestId: 'x-amzn-requestid',
  errorType: 'x-amzn-errortype',
  traceId: 'x-amzn-trace-id',
} as const;

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

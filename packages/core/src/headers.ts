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

/**
 * The event source a platform service calls for (ADR 0046): the mapping's EventSourceArn, the
 * schedule's ARN, the source function's ARN for a destination. The gateway reads it only from a
 * platform key (`platform: true`); from any other caller it is ignored, so it cannot be spoofed.
 */
export const SOURCE_ARN_HEADER = 'x-lamina-source-arn';

/** aws:SourceAccount of a source ARN: its account field, or `fallback` when it has none. */
export function sourceAccountOf(arn: string, fallback: string): string {
  const account = arn.split(':')[4] ?? '';
  return /^\d{12}$/.test(account) ? account : fallback;
}

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

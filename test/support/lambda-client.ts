import { LambdaClient } from '@aws-sdk/client-lambda';

/**
 * The unmodified AWS SDK pointed at a Lamina endpoint, as every suite uses it: test credentials
 * (an open Lamina does not check signatures), us-east-1, and no SDK retries, so a suite sees each answer
 * as it came (a retried 429 or 5xx would hide what it checks). `maxSockets` raises the SDK's
 * connection limit for suites that fire many calls at once.
 */
export function lambdaClient(
  endpoint: string,
  o: {
    maxSockets?: number;
    /** A key of a signed Lamina (LAMINA_AUTH_KEYS_FILE); default the open gateway's test key. */
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    /** Milliseconds added to the SDK's clock when it signs (a stale signature). */
    systemClockOffset?: number;
  } = {},
): LambdaClient {
  return new LambdaClient({
    endpoint,
    region: 'us-east-1',
    credentials: o.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' },
    ...(o.systemClockOffset === undefined ? {} : { systemClockOffset: o.systemClockOffset }),
    maxAttempts: 1,
    ...(o.maxSockets === undefined
      ? {}
      : { requestHandler: { httpAgent: { maxSockets: o.maxSockets } } }),
  });
}

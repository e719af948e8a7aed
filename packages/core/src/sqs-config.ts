import { z } from 'zod';

import { envOptional } from './env-config.js';

/**
 * Where SQS queue ARNs live, for the services that talk to SQS (the poller's SQS mappings, the
 * dispatcher's SQS dead-letter and destination targets). LAMINA_SQS_ENDPOINT is an
 * SQS-compatible endpoint URL (ElasticMQ, a LocalStack, …) or `aws` for AWS's own regional
 * endpoints; credentials are AWS's usual variables.
 *
 * Invariant: unset means SQS is off: SQS mappings report a PROBLEM and SQS ARNs as targets stay
 * named Lamina queues. With an endpoint URL and no credentials, placeholder ones are used (a
 * local server does not check them); with `aws` and none, the SDK's own chain finds them.
 */
export const sqsEnvShape = {
  LAMINA_SQS_ENDPOINT: envOptional(z.union([z.literal('aws'), z.url()]).optional()),
  AWS_ACCESS_KEY_ID: envOptional(z.string().optional()),
  AWS_SECRET_ACCESS_KEY: envOptional(z.string().optional()),
  AWS_SESSION_TOKEN: envOptional(z.string().optional()),
};

export interface SqsConfig {
  /** undefined: AWS's regional endpoint of each queue's region. */
  readonly endpoint: string | undefined;
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

/** The parsed variables of sqsEnvShape; undefined when no SQS endpoint is configured. */
export function sqsConfigOf(e: z.infer<z.ZodObject<typeof sqsEnvShape>>): SqsConfig | undefined {
  const endpoint = e.LAMINA_SQS_ENDPOINT;
  if (endpoint === undefined) return undefined;
  const custom = endpoint === 'aws' ? undefined : endpoint.replace(/\/+$/, '');
  const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token } = e;
  if (id !== undefined && secret !== undefined)
    return {
      endpoint: custom,
      credentials: {
        accessKeyId: id,
        secretAccessKey: secret,
        ...(token === undefined ? {} : { sessionToken: token }),
      },
    };
  return custom === undefined
    ? { endpoint: undefined }
    : { endpoint: custom, credentials: { accessKeyId: 'lamina', secretAccessKey: 'lamina' } };
}

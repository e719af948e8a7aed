import { z } from 'zod';

import { conditionsSchema } from './conditions.js';
import { withCel } from './structural.js';

/** A field set (or left out) at creation that keeps its value; absent fields are allowed. */
const createOnly = (field: string): { rule: string; message: string } => ({
  rule: `has(self.${field}) == has(oldSelf.${field}) && (!has(self.${field}) || self.${field} == oldSelf.${field})`,
  message: `${field} is set at creation and cannot change`,
});

/**
 * `spec` of an EventSourceMapping, in the shape of Lambda's (reference §5): self-managed Kafka
 * (`topics`, `bootstrapServers`, `startingPosition`) or an SQS queue (`eventSourceArn`, and
 * optionally `scalingConfig`); the Kafka-only settings are ignored for SQS.
 */
export const eventSourceMappingSpecSchema = withCel(
  z.object({
    functionName: z
      .string()
      .min(1)
      .max(140)
      .describe('Function to invoke: name, name:alias or name:version.'),
    enabled: z.boolean().default(true),
    eventSourceArn: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe('SQS: the queue ARN, arn:aws:sqs:<region>:<account>:<name>.'),
    scalingConfig: z
      .object({ maximumConcurrency: z.int().min(2).max(1000).optional() })
      .optional()
      .describe('SQS: concurrent invokes of this mapping at most.'),
    topics: z
      .array(z.string().min(1).max(249))
      .min(1)
      .max(1)
      .optional()
      .describe('Kafka: exactly one topic.'),
    bootstrapServers: z
      .array(z.string().min(1).max(300))
      .min(1)
      .max(16)
      .optional()
      .describe('Kafka bootstrap servers, host:port.'),
    consumerGroupId: z.string().min(1).max(200).optional(),
    startingPosition: z.enum(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']).optional(),
    startingPositionTimestamp: z.string().optional().describe('RFC 3339; for AT_TIMESTAMP.'),
    batchSize: z
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .describe('Default 100 (Kafka) or 10 (SQS; above 10 needs a batching window).'),
    maximumBatchingWindowInSeconds: z.int().min(0).max(300).optional(),
    maximumRetryAttempts: z
      .int()
      .min(-1)
      .max(10_000)
      .default(-1)
      .describe('-1 retries until the records expire.'),
    maximumRecordAgeInSeconds: withCel(z.int().min(-1).max(604_800).default(-1), {
      rule: 'self == -1 || self >= 60',
      message: 'maximumRecordAgeInSeconds is -1 (no limit) or 60–604800',
    }),
    bisectBatchOnFunctionError: z.boolean().default(false),
    functionResponseTypes: z
      .array(z.enum(['ReportBatchItemFailures']))
      .max(1)
      .optional(),
    destinationConfig: z
      .object({
        onFailure: z
          .object({ destination: z.string().min(1).max(350) })
          .optional()
          .describe('kafka://<topic> in the same cluster, or an ARN.'),
      })
      .optional(),
    sourceAccessConfigurations: z
      .array(
        z.object({
          type: z.enum([
            'BASIC_AUTH',
            'SASL_SCRAM_256_AUTH',
            'SASL_SCRAM_512_AUTH',
            'CLIENT_CERTIFICATE_TLS_AUTH',
            'SERVER_ROOT_CA_CERTIFICATE',
          ]),
          uri: z.string().min(1).max(253).describe('Name of a Secret in the namespace.'),
        }),
      )
      .max(22)
      .optional(),
  }),
  {
    rule: 'has(self.eventSourceArn) != has(self.topics)',
    message: 'set eventSourceArn (an SQS queue) or topics (Kafka), not both',
  },
  {
    rule: '!has(self.topics) || (has(self.bootstrapServers) && has(self.startingPosition))',
    message: 'a Kafka mapping needs bootstrapServers and startingPosition',
  },
  {
    rule: "!has(self.startingPosition) || self.startingPosition != 'AT_TIMESTAMP' || has(self.startingPositionTimestamp)",
    message: 'startingPositionTimestamp is required when startingPosition is AT_TIMESTAMP',
  },
  createOnly('eventSourceArn'),
  createOnly('topics'),
  createOnly('bootstrapServers'),
  createOnly('startingPosition'),
  {
    rule: 'has(self.consumerGroupId) == has(oldSelf.consumerGroupId) && (!has(self.consumerGroupId) || self.consumerGroupId == oldSelf.consumerGroupId)',
    message: 'consumerGroupId is set at creation and cannot change',
  },
);

export const eventSourceMappingStatusSchema = z.object({
  observedGeneration: z.int().optional(),
  state: z
    .enum(['Creating', 'Enabling', 'Enabled', 'Disabling', 'Disabled', 'Updating', 'Deleting'])
    .optional(),
  stateTransitionReason: z.string().optional(),
  lastProcessingResult: z
    .string()
    .optional()
    .describe("The poller's last batch: OK, No records processed or PROBLEM: …"),
  uuid: z.string().optional(),
  conditions: conditionsSchema.optional(),
});

export type EventSourceMappingResourceSpec = z.output<typeof eventSourceMappingSpecSchema>;
export type EventSourceMappingResourceStatus = z.output<typeof eventSourceMappingStatusSchema>;

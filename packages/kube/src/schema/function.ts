import {
  APPLICATION_LOG_LEVELS,
  KNOWN_RUNTIMES,
  LIMITS,
  LOG_FORMATS,
  SYSTEM_LOG_LEVELS,
} from '@lamina/core';
import { z } from 'zod';

import { conditionsSchema } from './conditions.js';
import { withCel } from './structural.js';

/** Lambda's environment key shape; core checks the same pattern when it validates a spec. */
const ENV_KEY_PATTERN = '^[a-zA-Z][a-zA-Z0-9_]+$';
const SHA256_PATTERN = '^[a-f0-9]{64}$';
/** 4 KB cannot hold more than ~580 variables anyway (`"AB":"",` is 8 bytes). */
const MAX_VARIABLES = 600;

/**
 * The environment as JSON (`{"K":"V",…}`) is what Lambda measures against its 4 KB limit. CEL
 * counts code points, not bytes, so non-ASCII values are under-counted here; the operator
 * measures bytes (through core) and reports the rest as a Failed state.
 */
const ENV_JSON_SIZE = 'self.variables.map(k, size(k) + size(self.variables[k]) + 6).sum() + 1';

const secretKeyRef = z
  .object({
    name: z.string().min(1).max(253).describe('Name of a Secret in the Function namespace.'),
    key: z.string().min(1).max(253).describe('Key inside that Secret.'),
    optional: z.boolean().optional(),
  })
  .describe('Takes the value from a key of an existing Secret.');

export const environmentSchema = withCel(
  z
    .object({
      variables: withCel(
        z
          .record(z.string().max(256), z.string().max(LIMITS.environmentMaxBytes))
          // Bounds keep the API server's CEL cost estimate within budget.
          .meta({ maxProperties: MAX_VARIABLES })
          .optional()
          .describe('Plain variables; the operator stores them in a Secret it owns.'),
        {
          rule: `self.all(k, k.matches('${ENV_KEY_PATTERN}'))`,
          message:
            'environment variable names must start with a letter and contain only letters, digits and _ (Lambda: [a-zA-Z]([a-zA-Z0-9_])+)',
        },
      ),
      valueFrom: withCel(
        z
          .record(z.string().max(256), z.object({ secretKeyRef }))
          .meta({ maxProperties: MAX_VARIABLES })
          .optional()
          .describe('Variables whose values come from existing Secrets (not counted in 4 KB).'),
        {
          rule: `self.all(k, k.matches('${ENV_KEY_PATTERN}'))`,
          message:
            'environment variable names must start with a letter and contain only letters, digits and _',
        },
      ),
    })
    .describe('Environment variables of the function, like Lambda Environment.Variables.'),
  {
    rule: `!has(self.variables) || ${ENV_JSON_SIZE} <= ${LIMITS.environmentMaxBytes}`,
    message: `environment variables exceed Lambda's 4 KB limit (${LIMITS.environmentMaxBytes} bytes for all names and values together, measured as JSON)`,
  },
  {
    rule: '!has(self.variables) || !has(self.valueFrom) || self.valueFrom.all(k, !(k in self.variables))',
    message: 'a variable is set both in environment.variables and environment.valueFrom',
  },
);

export const codeSchema = withCel(
  z
    .object({
      path: z
        .string()
        .min(1)
        .max(4096)
        .optional()
        .describe('Local mode only: a folder with the code, relative to the manifest file.'),
      sha256: z
        .string()
        .regex(new RegExp(SHA256_PATTERN))
        .optional()
        .describe('A code artifact of the content-addressed store, by hex SHA-256.'),
      image: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .describe('A container image with the function (Lambda PackageType Image).'),
    })
    .describe('Where the code is: exactly one of path, sha256 or image.'),
  {
    rule: '[has(self.path), has(self.sha256), has(self.image)].filter(x, x).size() == 1',
    message: 'code needs exactly one of path (local mode), sha256 (an artifact) or image',
  },
);

const destination = z.object({
  destination: z.string().min(1).max(350).describe('ARN or lamina:// URI of the target.'),
});

export const asyncInvokeConfigSchema = z
  .object({
    maximumRetryAttempts: z.int().min(0).max(2).optional(),
    maximumEventAgeInSeconds: z.int().min(60).max(21_600).optional(),
    destinationConfig: z
      .object({ onSuccess: destination.optional(), onFailure: destination.optional() })
      .optional(),
  })
  .describe('Asynchronous invocation: retries, maximum event age and destinations.');

/** `spec` of a Function: a superset of the local-mode manifest core parses. */
export const functionSpecSchema = withCel(
  z.object({
    runtime: z
      .enum(KNOWN_RUNTIMES)
      .optional()
      .describe('Lambda runtime identifier; required unless code.image is set.'),
    handler: z
      .string()
      .min(1)
      .max(LIMITS.handlerMaxLength)
      .regex(/^[^\s]+$/)
      .optional()
      .describe('Entry point, e.g. index.handler; required unless code.image is set.'),
    description: z.string().max(LIMITS.descriptionMaxLength).optional(),
    role: z.string().max(2048).optional().describe('Execution role ARN (informational).'),
    memorySize: z
      .int()
      .min(LIMITS.memoryMinMb)
      .max(LIMITS.memoryMaxMb)
      .default(LIMITS.defaultMemoryMb)
      .describe('Memory in MB (128–10240); CPU is given in proportion.'),
    timeout: z
      .int()
      .min(LIMITS.timeoutMinSeconds)
      .max(LIMITS.timeoutMaxSeconds)
      .default(LIMITS.defaultTimeoutSeconds)
      .describe('Timeout in seconds (1–900).'),
    ephemeralStorage: z
      .object({
        size: z
          .int()
          .min(LIMITS.ephemeralStorageMinMb)
          .max(LIMITS.ephemeralStorageMaxMb)
          .default(LIMITS.ephemeralStorageMinMb)
          .describe('Size of /tmp in MB (512–10240).'),
      })
      .optional(),
    environment: environmentSchema.optional(),
    code: codeSchema,
    architectures: z
      .array(z.enum(['x86_64', 'arm64']))
      .min(1)
      .max(1)
      .optional(),
    reservedConcurrency: z
      .int()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe('Reserved concurrent executions; 0 throttles every invocation.'),
    provisionedConcurrency: z
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .describe('Execution environments kept initialised for $LATEST.'),
    imageConfig: z
      .object({
        entryPoint: z
          .array(z.string().max(4096))
          .max(1500)
          .optional()
          .describe("Replaces the image's ENTRYPOINT (the container's command)."),
        command: z
          .array(z.string().max(4096))
          .max(1500)
          .optional()
          .describe(
            "Replaces the image's CMD (the container's args); for AWS base images the handler.",
          ),
        workingDirectory: z
          .string()
          .min(1)
          .max(1000)
          .optional()
          .describe("Replaces the image's WORKDIR."),
      })
      .optional()
      .describe('Container-image functions only (code.image): Lambda ImageConfig.'),
    loggingConfig: z
      .object({
        logFormat: z.enum(LOG_FORMATS).optional().describe('Text (default) or JSON.'),
        applicationLogLevel: z
          .enum(APPLICATION_LOG_LEVELS)
          .optional()
          .describe("The runtime's log level (AWS_LAMBDA_LOG_LEVEL); JSON only, default INFO."),
        systemLogLevel: z
          .enum(SYSTEM_LOG_LEVELS)
          .optional()
          .describe('Which platform records are written (WARN: none); JSON only, default INFO.'),
        logGroup: z
          .string()
          .min(1)
          .max(512)
          .regex(/^[.\-_/#A-Za-z0-9]+$/)
          .optional()
          .describe('AWS_LAMBDA_LOG_GROUP_NAME; default /aws/lambda/<name>.'),
      })
      .optional()
      .describe("Lambda's LoggingConfig: log format, log levels and log group."),
    asyncInvokeConfig: asyncInvokeConfigSchema.optional(),
    deadLetterConfig: z
      .object({ targetArn: z.string().min(1).max(350) })
      .optional()
      .describe('Where failed asynchronous events go.'),
    layers: z
      .array(
        z.object({
          arn: z.string().min(1).max(140).describe('The LayerVersionArn, as Lambda shows it.'),
          sha256: z
            .string()
            .regex(new RegExp(SHA256_PATTERN))
            .describe('The layer zip in the code store, by hex SHA-256.'),
          codeSize: z.int().min(0),
        }),
      )
      .max(5)
      .optional()
      .describe('Layers merged in this order into /opt (a later one overrides earlier files).'),
  }),
  {
    rule: 'has(self.code.image) || has(self.runtime)',
    message: 'runtime is required for .zip deployment packages (code.path or code.sha256)',
    fieldPath: '.runtime',
    reason: 'FieldValueRequired',
  },
  {
    rule: 'has(self.code.image) || has(self.handler)',
    message: 'handler is required for .zip deployment packages (code.path or code.sha256)',
    fieldPath: '.handler',
    reason: 'FieldValueRequired',
  },
  {
    rule: 'has(self.code.image) || !has(self.imageConfig)',
    message: 'imageConfig is only for container-image functions (code.image)',
    fieldPath: '.imageConfig',
  },
  {
    rule: '!has(self.code.image) || (!has(self.runtime) && !has(self.handler) && !has(self.layers))',
    message: 'a container-image function (code.image) takes no runtime, handler or layers',
  },
  {
    rule: "!has(self.loggingConfig) || (has(self.loggingConfig.logFormat) && self.loggingConfig.logFormat == 'JSON') || (!has(self.loggingConfig.applicationLogLevel) && !has(self.loggingConfig.systemLogLevel))",
    message: 'log levels (loggingConfig.applicationLogLevel, systemLogLevel) need logFormat JSON',
    fieldPath: '.loggingConfig',
  },
  {
    rule: '!has(self.reservedConcurrency) || !has(self.provisionedConcurrency) || self.provisionedConcurrency <= self.reservedConcurrency',
    message: 'provisionedConcurrency cannot exceed reservedConcurrency',
  },
);

export const functionStateSchema = z.enum(['Pending', 'Active', 'Inactive', 'Failed']);
export const lastUpdateStatusSchema = z.enum(['InProgress', 'Successful', 'Failed']);

export const functionStatusSchema = z.object({
  observedGeneration: z.int().optional(),
  state: functionStateSchema.optional(),
  stateReason: z.string().optional(),
  stateReasonCode: z.string().optional(),
  lastUpdateStatus: lastUpdateStatusSchema.optional(),
  lastUpdateStatusReason: z.string().optional(),
  lastModified: z.string().optional(),
  codeSha256: z.string().optional(),
  latestVersion: z.string().optional().describe('Highest published version number.'),
  desiredEnvironments: z
    .int()
    .optional()
    .describe('Execution environments of $LATEST asked for (the autoscaler or the fixed count).'),
  readyEnvironments: z.int().optional().describe('Ready execution environments of $LATEST.'),
  deploymentName: z.string().optional(),
  conditions: conditionsSchema.optional(),
});

export type FunctionSpecInputShape = z.input<typeof functionSpecSchema>;
export type FunctionResourceSpec = z.output<typeof functionSpecSchema>;
export type FunctionResourceStatus = z.output<typeof functionStatusSchema>;
export type FunctionState = z.output<typeof functionStateSchema>;
export type LastUpdateStatus = z.output<typeof lastUpdateStatusSchema>;

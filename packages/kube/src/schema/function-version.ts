import { z } from 'zod';

import { conditionsSchema } from './conditions.js';
import { functionSpecSchema } from './function.js';
import { type CelRule, withCel } from './structural.js';

/**
 * `spec` of a FunctionVersion: an immutable snapshot of a Function's code and configuration,
 * published as version N. Changing it is refused by the API server (CEL: every field but
 * `provisionedConcurrency` equals its old value). `provisionedConcurrency` is the one setting
 * that changes after publishing: the environments kept initialised for this version (its own
 * provisioned concurrency config plus those of the aliases on it; ADR 0017).
 */
const IMMUTABLE =
  'a FunctionVersion is immutable: publish a new version instead of changing this one';

/** The Function spec's own rules, kept on the snapshot next to its immutability. */
const snapshotRules = (functionSpecSchema.meta()?.['x-kubernetes-validations'] ?? []) as CelRule[];

export const functionVersionSpecSchema = withCel(
  z.object({
    functionName: z.string().min(1).max(64).describe('The Function this version belongs to.'),
    version: z
      .string()
      .regex(/^[1-9][0-9]{0,9}$/)
      .describe('Version number, 1, 2, …; never reused.'),
    description: z.string().max(256).optional(),
    codeSha256: z.string().max(128).optional().describe('SHA-256 of the code published.'),
    revisionId: z.string().max(128).optional().describe('RevisionId of $LATEST when published.'),
    function: withCel(functionSpecSchema, ...snapshotRules, {
      rule: 'self == oldSelf',
      message: IMMUTABLE,
    }).describe('The Function spec as it was when published.'),
    provisionedConcurrency: z
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .describe(
        'Execution environments kept initialised for this version (its provisioned concurrency configs and those of its aliases, summed); the only field that may change.',
      ),
  }),
  {
    rule: [
      'self.functionName == oldSelf.functionName',
      'self.version == oldSelf.version',
      ...['description', 'codeSha256', 'revisionId'].map(
        (f) => `(has(self.${f}) ? self.${f} : '') == (has(oldSelf.${f}) ? oldSelf.${f} : '')`,
      ),
    ].join(' && '),
    message: IMMUTABLE,
  },
);

export const functionVersionStatusSchema = z.object({
  observedGeneration: z.int().optional(),
  state: z.enum(['Pending', 'Active', 'Inactive', 'Failed']).optional(),
  stateReason: z.string().optional(),
  desiredEnvironments: z.int().optional(),
  readyEnvironments: z.int().optional(),
  deploymentName: z.string().optional(),
  conditions: conditionsSchema.optional(),
});

export type FunctionVersionResourceSpec = z.output<typeof functionVersionSpecSchema>;
export type FunctionVersionResourceStatus = z.output<typeof functionVersionStatusSchema>;

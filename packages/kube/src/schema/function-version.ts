import { z } from 'zod';

import { conditionsSchema } from './conditions.js';
import { functionSpecSchema } from './function.js';
import { withCel } from './structural.js';

/**
 * `spec` of a FunctionVersion: an immutable snapshot of a Function's code and configuration,
 * published as version N. Changing it is refused by the API server (CEL `self == oldSelf`).
 */
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
    function: functionSpecSchema.describe('The Function spec as it was when published.'),
  }),
  {
    rule: 'self == oldSelf',
    message: 'a FunctionVersion is immutable: publish a new version instead of changing this one',
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

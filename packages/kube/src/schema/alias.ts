import { z } from 'zod';

import { withCel } from './structural.js';

/** A version number or $LATEST, as an alias may point at. */
const versionRef = z.string().regex(/^(\$LATEST|[1-9][0-9]{0,9})$/);

/** `spec` of an Alias: a named pointer to a version, with optional weighted routing. */
export const aliasSpecSchema = withCel(
  z.object({
    functionName: z.string().min(1).max(64).describe('The Function the alias belongs to.'),
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[a-zA-Z0-9_-]+$/)
      .describe('Alias name as Lambda sees it, e.g. prod (not only digits).'),
    functionVersion: versionRef.describe('The primary version, a number or $LATEST.'),
    description: z.string().max(256).optional(),
    routingConfig: z
      .object({
        additionalVersionWeights: withCel(
          z
            .record(z.string().max(10), z.number().min(0).max(1))
            .describe('At most one more version and the share of calls (0–1) it receives.'),
          { rule: 'self.size() <= 1', message: 'routing can add at most one more version' },
          {
            rule: "self.all(k, k.matches('^[1-9][0-9]{0,9}$'))",
            message: 'weighted routing needs a published version number, not $LATEST',
          },
        ).optional(),
      })
      .optional(),
  }),
  {
    rule: "!self.name.matches('^[0-9]+$')",
    message: 'an alias name cannot be only digits (that would read as a version)',
    fieldPath: '.name',
  },
  {
    rule: '!has(self.routingConfig) || !has(self.routingConfig.additionalVersionWeights) || !(self.functionVersion in self.routingConfig.additionalVersionWeights)',
    message: 'the additional version must differ from functionVersion',
  },
  {
    rule: "!has(self.routingConfig) || !has(self.routingConfig.additionalVersionWeights) || self.routingConfig.additionalVersionWeights.size() == 0 || self.functionVersion != '$LATEST'",
    message: 'weighted routing needs a published primary version, not $LATEST',
  },
  { rule: 'self.name == oldSelf.name', message: 'an alias cannot be renamed' },
  { rule: 'self.functionName == oldSelf.functionName', message: 'functionName cannot change' },
);

export const aliasStatusSchema = z.object({
  observedGeneration: z.int().optional(),
  revisionId: z.string().optional(),
});

export type AliasResourceSpec = z.output<typeof aliasSpecSchema>;
export type AliasResourceStatus = z.output<typeof aliasStatusSchema>;

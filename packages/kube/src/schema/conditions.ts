import { z } from 'zod';

/** A status condition, the shape of metav1.Condition. */
export const conditionSchema = z.object({
  type: z.string().min(1).max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  observedGeneration: z.int().min(0).optional(),
  lastTransitionTime: z.string().describe('RFC 3339 time of the last status change.'),
  reason: z.string().min(1).max(1024),
  message: z.string().max(32_768),
});

export const conditionsSchema = z
  .array(conditionSchema)
  .max(16)
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

export type Condition = z.output<typeof conditionSchema>;

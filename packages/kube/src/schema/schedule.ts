import { z } from 'zod';

import { conditionsSchema } from './conditions.js';

/**
 * `spec` of a Schedule: an EventBridge Scheduler schedule on a function of the same
 * installation, in the API's shape (camelCase). The operator's leader mirrors it into the
 * scheduler runners' Redis store (group = the namespace) and writes next and last run back.
 */
export const scheduleSpecSchema = z.object({
  scheduleExpression: z
    .string()
    .min(1)
    .max(256)
    .describe('cron(six fields), rate(value unit) or at(yyyy-mm-ddThh:mm:ss).'),
  scheduleExpressionTimezone: z.string().min(1).max(50).optional().describe('IANA time zone.'),
  startDate: z.string().optional().describe('RFC 3339; runs on or after it.'),
  endDate: z.string().optional().describe('RFC 3339; no runs after it.'),
  state: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
  description: z.string().max(512).optional(),
  flexibleTimeWindow: z
    .object({
      mode: z.enum(['OFF', 'FLEXIBLE']).default('OFF'),
      maximumWindowInMinutes: z
        .int()
        .min(1)
        .max(1440)
        .optional()
        .describe('Required with FLEXIBLE: each tick runs at a fixed offset within this window.'),
    })
    .optional(),
  target: z.object({
    functionName: z
      .string()
      .min(1)
      .max(140)
      .describe('Function to invoke: name, name:alias or name:version.'),
    input: z
      .string()
      .min(1)
      .optional()
      .describe('JSON passed unchanged; else the Scheduled Event.'),
    retryPolicy: z
      .object({
        maximumEventAgeInSeconds: z.int().min(60).max(86_400).default(86_400),
        maximumRetryAttempts: z.int().min(0).max(185).default(185),
      })
      .optional(),
    deadLetterConfig: z
      .object({
        arn: z
          .string()
          .min(1)
          .max(1600)
          .describe('SQS queue ARN for ticks that could not be sent.'),
      })
      .optional(),
  }),
});

export const scheduleStatusSchema = z.object({
  observedGeneration: z.int().optional(),
  arn: z.string().optional(),
  nextRun: z.string().optional().describe('RFC 3339.'),
  lastRun: z.string().optional().describe('RFC 3339.'),
  problem: z.string().optional().describe('Why the spec is not scheduled.'),
  conditions: conditionsSchema.optional(),
});

export type ScheduleResourceSpec = z.output<typeof scheduleSpecSchema>;
export type ScheduleResourceStatus = z.output<typeof scheduleStatusSchema>;

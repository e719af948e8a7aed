/**
 * `spec` of a LayerVersion (cluster mode's layer store, ADR 0020): one published version of a
 * Lambda layer, its zip in the content-addressed code store by hex SHA-256. Immutable like a
 * layer version on AWS (CEL `self == oldSelf`); DeleteLayerVersion leaves a tombstone (the
 * `lamina.dev/deleted` label) so a version number is never given out twice.
 */
import { z } from 'zod';

import { withCel } from './structural.js';

export const layerVersionSpecSchema = withCel(
  z.object({
    layerName: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,140}$/)
      .describe('The layer name as Lambda shows it (LayerArn ends with it).'),
    version: z.int().min(1).describe('Version number, 1, 2, … per layer name; never reused.'),
    description: z.string().max(256).optional(),
    createdDate: z.string().max(64).describe("Lambda's timestamp: 2020-04-10T19:06:32.563+0000."),
    compatibleRuntimes: z.array(z.string().max(64)).max(15).optional(),
    compatibleArchitectures: z
      .array(z.enum(['x86_64', 'arm64']))
      .max(2)
      .optional(),
    licenseInfo: z.string().max(512).optional(),
    sha256: z
      .string()
      .regex(/^[a-f0-9]{64}$/)
      .describe('The layer zip in the code store, by hex SHA-256.'),
    size: z.int().min(0).describe('Bytes of the zip (Content.CodeSize).'),
  }),
  { rule: 'self == oldSelf', message: 'a LayerVersion is immutable: publish a new version' },
);

export const layerVersionStatusSchema = z.object({});

export type LayerVersionResourceSpec = z.output<typeof layerVersionSpecSchema>;
export type LayerVersionResourceStatus = z.output<typeof layerVersionStatusSchema>;

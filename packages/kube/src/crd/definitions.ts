/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import type {
  V1CustomResourceColumnDefinition,
  V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import type { z } from 'zod';

import { aliasSpecSchema, aliasStatusSchema } from '../schema/alias.js';
import {
  eventSourceMappingSpecSchema,
  eventSourceMappingStatusSchema,
} from '../schema/event-source-mapping.js';
import {
  functionVersionSpecSchema,
  functionVersionStatusSchema,
} from '../schema/function-version.js';
import { functionSpecSchema, functionStatusSchema } from '../schema/function.js';
import { layerVersionSpecSchema, layerVersionStatusSchema } from '../schema/layer-version.js';
import { scheduleSpecSchema, scheduleStatusSchema } from '../schema/schedule.js';
import { toStructuralSchema } from '../schema/structural.js';
import { GROUP, VERSION } from '../resources.js';

interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly spec: z.ZodType;
  readonly status: z.ZodType;
  readonly columns: readonly V1CustomResourceColumnDefinition[];
}

const age: V1CustomResourceColumnDefinition = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

/** The kinds of lamina.dev/v1alpha1. Names here are the API; change them with care. */
export const KINDS: readonly KindDefinition[] = [
  {
    kind: 'Function',
    plural: 'functions',
    singular: 'function',
    shortNames: ['lfn'],
    spec: functionSpecSchema,
    status: functionStatusSchema,
    columns: [
      { name: 'Runtime', type: 'string', jsonPath: '.spec.runtime' },
      { name: 'Memory', type: 'integer', jsonPath: '.spec.memorySize', description: 'MB' },
      { name: 'State', type: 'string', jsonPath: '.status.state' },
      { name: 'Desired', type: 'integer', jsonPath: '.status.desiredEnvironments' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyEnvironments' },
      { name: 'Update', type: 'string', jsonPath: '.status.lastUpdateStatus', priority: 1 },
      age,
    ],
  },
  {
    kind: 'FunctionVersion',
    plural: 'functionversions',
    singular: 'functionversion',
    shortNames: ['lfnv'],
    spec: functionVersionSpecSchema,
    status: functionVersionStatusSchema,
    columns: [
      { name: 'Function', type: 'string', jsonPath: '.spec.functionName' },
      { name: 'Version', type: 'string', jsonPath: '.spec.version' },
      { name: 'State', type: 'string', jsonPath: '.status.state' },
      { name: 'Desired', type: 'integer', jsonPath: '.status.desiredEnvironments' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyEnvironments' },
      { name: 'Provisioned', type: 'integer', jsonPath: '.spec.provisionedConcurrency' },
      age,
    ],
  },
  {
    kind: 'Alias',
    plural: 'aliases',
    singular: 'alias',
    shortNames: ['lalias'],
    spec: aliasSpecSchema,
    status: aliasStatusSchema,
    columns: [
      { name: 'Function', type: 'string', jsonPath: '.spec.functionName' },
      { name: 'Alias', type: 'string', jsonPath: '.spec.name' },
      { name: 'Version', type: 'string', jsonPath: '.spec.functionVersion' },
      age,
    ],
  },
  {
    kind: 'EventSourceMapping',
    plural: 'eventsourcemappings',
    singular: 'eventsourcemapping',
    shortNames: ['lesm'],
    spec: eventSourceMappingSpecSchema,
    status: eventSourceMappingStatusSchema,
    columns: [
      { name: 'Function', type: 'string', jsonPath: '.spec.functionName' },
      { name: 'Topic', type: 'string', jsonPath: '.spec.topics[0]' },
      { name: 'Queue', type: 'string', jsonPath: '.spec.eventSourceArn' },
      { name: 'State', type: 'string', jsonPath: '.status.state' },
      { name: 'UUID', type: 'string', jsonPath: '.status.uuid', priority: 1 },
      { name: 'Result', type: 'string', jsonPath: '.status.lastProcessingResult', priority: 1 },
      age,
    ],
  },
  {
    kind: 'LayerVersion',
    plural: 'layerversions',
    singular: 'layerversion',
    shortNames: ['llv'],
    spec: layerVersionSpecSchema,
    status: layerVersionStatusSchema,
    columns: [
      { name: 'Layer', type: 'string', jsonPath: '.spec.layerName' },
      { name: 'Version', type: 'integer', jsonPath: '.spec.version' },
      { name: 'Size', type: 'integer', jsonPath: '.spec.size', description: 'bytes' },
      age,
    ],
  },
  {
    kind: 'Schedule',
    plural: 'schedules',
    singular: 'schedule',
    shortNames: ['lsched'],
    spec: scheduleSpecSchema,
    status: scheduleStatusSchema,
    columns: [
      { name: 'Expression', type: 'string', jsonPath: '.spec.scheduleExpression' },
      { name: 'Function', type: 'string', jsonPath: '.spec.target.functionName' },
      { name: 'State', type: 'string', jsonPath: '.spec.state' },
      { name: 'Next', type: 'string', jsonPath: '.status.nextRun' },
      { name: 'Last', type: 'string', jsonPath: '.status.lastRun' },
      { name: 'Problem', type: 'string', jsonPath: '.status.problem', priority: 1 },
      age,
    ],
  },
];

/** Builds the CustomResourceDefinition of one kind from its zod schemas. */
export function buildCrd(def: KindDefinition): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'lamina' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: [...def.shortNames],
        categories: ['lamina'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [...def.columns],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: `${def.kind} of Lamina (${GROUP}/${VERSION}).`,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: toStructuralSchema(def.spec),
                status: toStructuralSchema(def.status),
              },
            },
          },
        },
      ],
    },
  };
}

/** Every CRD, in a stable order. */
export function buildCrds(): V1CustomResourceDefinition[] {
  return KINDS.map(buildCrd);
}

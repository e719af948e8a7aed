import type { V1JSONSchemaProps } from '@kubernetes/client-node';
import { z } from 'zod';

/** A CEL rule as the API server takes it (`x-kubernetes-validations`). */
export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired';
}

/** Attaches CEL rules to a zod schema; they travel into the CRD through `toStructuralSchema`. */
export function withCel<T extends z.ZodType>(schema: T, ...rules: CelRule[]): T {
  return schema.meta({ 'x-kubernetes-validations': rules });
}

/** Keys of JSON Schema that a Kubernetes structural schema accepts, and we use. */
const KEPT = new Set([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'format',
  'additionalProperties',
  'x-kubernetes-validations',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
]);

/** zod's safe-integer bounds say nothing useful to the API server (it uses int64). */
const SAFE_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function clean(node: Json, path: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT.has(key)) {
      if (key === '$schema' || key === 'propertyNames') continue;
      throw new Error(`${path}: '${key}' has no structural-schema form; restate the zod schema`);
    }
    if ((key === 'minimum' || key === 'maximum') && SAFE_BOUNDS.has(value as number)) continue;
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, clean(v as Json, `${path}.${k}`)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
      out[key] = clean(value, `${path}[]`);
    } else if (key === 'additionalProperties') {
      // `false` is how zod says "closed object"; the API server prunes unknown fields anyway,
      // and forbids additionalProperties beside properties.
      continue;
    } else {
      out[key] = value;
    }
  }
  if (Array.isArray(out['required']) && out['required'].length === 0) delete out['required'];
  if (Array.isArray(out['type'])) {
    throw new Error(`${path}: a union (anyOf/several types) has no structural-schema form`);
  }
  if (out['type'] === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new Error(`${path}: every node of a structural schema needs a type`);
  }
  return out;
}

/**
 * Turns a zod schema into an OpenAPI v3 structural schema for a CRD. Keys are in wire form
 * (`x-kubernetes-validations`), so the result is for YAML/JSON output, not for client-node's
 * model serializer (which spells them `x_kubernetes_validations` and would drop these). The zod schema is the one
 * source: its TypeScript type is what the operator reads, its JSON form is what the API server
 * enforces. Anything without a structural form (unions, nullables, tuples) is refused loudly.
 */
export function toStructuralSchema(schema: z.ZodType): V1JSONSchemaProps {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as Json;
  return clean(json, '$');
}

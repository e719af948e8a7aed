/**
 * An OpenAPI 3.0 document of the Lambda API, built from the same generated service model that
 * validates requests (lambda-model.generated.ts, botocore's service-2.json; ADR 0031), so the
 * document, the validation and the fuzzing of the gateway (test/e2e/fuzz-api.int.test.ts) never
 * disagree about operations, members and constraints.
 *
 * Invariants:
 * - Every model operation the caller asks for appears once, under its own operationId; an
 *   operation whose method and path (query constants aside) another one already took is left
 *   out, since OpenAPI keys operations by path and method.
 * - URI members are required path parameters, `querystring` members query parameters,
 *   `header` members header parameters; body members form the JSON request body's schema;
 *   a `payload` member (Invoke's Payload) is the whole body.
 * - Every shape is one `components/schemas` entry referenced by `$ref` (recursion-safe). A
 *   pattern JavaScript cannot compile is left out rather than passed on broken.
 * - Responses are not described (the model's output side is not generated): `default` only.
 */
import { LAMBDA_OPERATIONS, LAMBDA_SHAPES } from './lambda-model.generated.js';
import type { ModelShape } from './lambda-model-types.js';

type Json = Record<string, unknown>;

const ref = (shape: string): Json => ({ $ref: `#/components/schemas/${shape}` });

function patternOk(p: string): boolean {
  try {
    new RegExp(p, 'u');
    return true;
  } catch {
    return false;
  }
}

/** One model shape as a JSON Schema (OpenAPI 3.0 dialect); structures keep body members only. */
function schemaOf(s: ModelShape): Json {
  const bounds = (minKey: string, maxKey: string): Json => ({
    ...(s.min === undefined ? {} : { [minKey]: s.min }),
    ...(s.max === undefined ? {} : { [maxKey]: s.max }),
  });
  switch (s.type) {
    case 'structure': {
      const members = Object.entries(s.members ?? {}).filter(([, m]) => m.location === undefined);
      const names = new Set(members.map(([n]) => n));
      const required = (s.required ?? []).filter((r) => names.has(r));
      return {
        type: 'object',
        properties: Object.fromEntries(members.map(([n, m]) => [n, ref(m.shape)])),
        ...(required.length === 0 ? {} : { required }),
      };
    }
    case 'list':
      return { type: 'array', items: ref(s.member ?? 'String'), ...bounds('minItems', 'maxItems') };
    case 'map':
      return {
        type: 'object',
        additionalProperties: ref(s.value ?? 'String'),
        ...bounds('minProperties', 'maxProperties'),
      };
    case 'integer':
    case 'long':
      return { type: 'integer', ...bounds('minimum', 'maximum') };
    case 'double':
    case 'float':
      return { type: 'number', ...bounds('minimum', 'maximum') };
    case 'boolean':
      return { type: 'boolean' };
    case 'blob':
      return { type: 'string', format: 'byte' };
    case 'timestamp':
      return { type: 'string' };
    default:
      return {
        type: 'string',
        ...(s.enum === undefined ? {} : { enum: [...s.enum] }),
        ...(s.pattern !== undefined && patternOk(s.pattern) ? { pattern: s.pattern } : {}),
        ...bounds('minLength', 'maxLength'),
      };
  }
}

/** `/a/{B+}?x=y&Z={Z}` → the path `/a/{B}` and the query constants `{ x: 'y' }`. */
function splitUri(uri: string): { path: string; constants: Record<string, string> } {
  const [path = '', query] = uri.split('?');
  const constants: Record<string, string> = {};
  for (const pair of query?.split('&') ?? []) {
    const [k, v] = pair.split('=');
    if (k !== undefined && v !== undefined && !v.startsWith('{')) constants[k] = v;
  }
  return { path: path.replace(/\{([^}+]+)\+?\}/g, '{$1}'), constants };
}

function operationOf(name: string, input: ModelShape | undefined, constants: Json): Json {
  const parameters: Json[] = Object.entries(constants).map(([k, v]) => ({
    name: k,
    in: 'query',
    required: true,
    schema: { type: 'string', enum: [v] },
  }));
  const required = new Set(input?.required ?? []);
  let body: Json | undefined;
  for (const [member, m] of Object.entries(input?.members ?? {})) {
    const where = { uri: 'path', querystring: 'query', header: 'header' } as const;
    if (m.location === 'uri' || m.location === 'querystring' || m.location === 'header') {
      parameters.push({
        name: m.locationName ?? member,
        in: where[m.location],
        required: m.location === 'uri' || required.has(member),
        schema: ref(m.shape),
      });
    }
  }
  if (input?.payload !== undefined) {
    body = { content: { 'application/json': { schema: {} } } };
  } else if (Object.values(input?.members ?? {}).some((m) => m.location === undefined)) {
    body = {
      required: true,
      content: { 'application/json': { schema: schemaOf(input ?? { type: 'structure' }) } },
    };
  }
  return {
    operationId: name,
    parameters,
    ...(body === undefined ? {} : { requestBody: body }),
    responses: { default: { description: 'The answer; an error carries X-Amzn-ErrorType.' } },
  };
}

/** The OpenAPI document of `operations` (default: every operation of the model). */
export function lambdaOpenApi(
  operations: readonly string[] = Object.keys(LAMBDA_OPERATIONS),
): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const name of [...operations].sort()) {
    const op = LAMBDA_OPERATIONS[name];
    if (op === undefined) throw new Error(`not an operation of the Lambda model: ${name}`);
    const { path, constants } = splitUri(op.uri);
    const method = op.method.toLowerCase();
    const item = (paths[path] ??= {});
    if (item[method] !== undefined) continue;
    const input = op.input === undefined ? undefined : LAMBDA_SHAPES[op.input];
    item[method] = operationOf(name, input, constants);
  }
  const schemas = Object.fromEntries(
    Object.entries(LAMBDA_SHAPES)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, s]) => [n, schemaOf(s)]),
  );
  return {
    openapi: '3.0.3',
    info: {
      title: 'Lamina: the AWS Lambda API',
      version: '2015-03-31',
      description:
        'Generated from the Lambda service model Lamina validates requests with (ADR 0031).',
    },
    paths,
    components: { schemas },
  };
}

/**
 * Which Lambda operation a request is, from the service model's method and URI templates
 * (lambda-model.generated.ts), with its URI parameters: what lets one middleware validate every
 * operation by the model before the route for it runs.
 *
 * Invariants: a template with a fixed query (`/2018-10-31/layers?find=LayerVersion`) matches only
 * when that query is present and wins over the same path without it; otherwise the template with
 * more literal characters wins (so `…/aliases` beats a parameter in that place); a trailing `/` is
 * ignored; parameters are percent-decoded, and a path that does not decode matches nothing (the
 * route answers it).
 */
import { LAMBDA_OPERATIONS } from './lambda-model.generated.js';

export interface OperationMatch {
  readonly operation: string;
  readonly uri: Readonly<Record<string, string>>;
}

interface Template {
  readonly operation: string;
  readonly path: RegExp;
  readonly names: readonly string[];
  readonly query: readonly (readonly [string, string])[];
  readonly weight: number;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(operation: string, method: string, uri: string): [string, Template] {
  const [rawPath = '', rawQuery = ''] = uri.split('?');
  const names: string[] = [];
  let literal = 0;
  const source = rawPath
    .replace(/\/$/, '')
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}+]+)(\+)?\}$/.exec(part);
      if (m === null) {
        literal += part.length;
        return escape(part);
      }
      names.push(m[1] ?? '');
      return m[2] === undefined ? '([^/]+)' : '(.+)';
    })
    .join('');
  const query = new URLSearchParams(rawQuery);
  return [
    method,
    {
      operation,
      path: new RegExp(`^${source}/?$`),
      names,
      query: [...query.entries()],
      weight: literal + (query.size > 0 ? 10_000 : 0),
    },
  ];
}

const byMethod = new Map<string, Template[]>();
for (const [operation, op] of Object.entries(LAMBDA_OPERATIONS)) {
  const [method, template] = compile(operation, op.method, op.uri);
  const list = byMethod.get(method) ?? [];
  list.push(template);
  byMethod.set(method, list);
}
for (const list of byMethod.values()) list.sort((a, b) => b.weight - a.weight);

/** The operation `method path` is, or undefined when the model has no such operation. */
export function matchOperation(
  method: string,
  path: string,
  query: (name: string) => string | undefined,
): OperationMatch | undefined {
  for (const t of byMethod.get(method) ?? []) {
    const m = t.path.exec(path);
    if (m === null) continue;
    if (!t.query.every(([k, v]) => query(k) === v)) continue;
    const uri: Record<string, string> = {};
    try {
      t.names.forEach((name, i) => {
        uri[name] = decodeURIComponent(m[i + 1] ?? '');
      });
    } catch {
      return undefined;
    }
    return { operation: t.operation, uri };
  }
  return undefined;
}

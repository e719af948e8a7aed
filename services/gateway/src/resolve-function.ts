import {
  type ArnContext,
  type FunctionRecord,
  type FunctionRef,
  type FunctionStore,
  LATEST,
  functionRefIn,
  functionNotFound,
} from '@lamina/core';
import type { Request } from 'express';

export interface ResolvedFunction {
  readonly ref: FunctionRef;
  readonly record: FunctionRecord;
}

/** A path parameter as one string (express types allow arrays for wildcards). */
export function pathParam(req: Request, name: string): string {
  const v: unknown = req.params[name];
  return typeof v === 'string' ? v : '';
}

/** A query parameter when it is a single string. */
export function queryString(req: Request, name: string): string | undefined {
  const v: unknown = req.query[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Resolves `:name` (name, name:qualifier, partial or full ARN, URL-decoded by express) and
 * the Qualifier parameter to a stored function. Until versions exist only `$LATEST` (or no
 * qualifier) resolves; anything else is 404 with the qualified ARN, like Lambda.
 */
export function resolveFunction(
  req: Request,
  functions: Pick<FunctionStore, 'get'>,
  ctx: ArnContext,
): ResolvedFunction {
  const ref = functionRefIn(ctx, pathParam(req, 'name'), queryString(req, 'Qualifier'));
  const record = functions.get(ref.name);
  if (record === undefined || (ref.qualifier !== undefined && ref.qualifier !== LATEST)) {
    throw functionNotFound(ctx, ref.name, ref.qualifier);
  }
  return { ref, record };
}

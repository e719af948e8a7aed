/**
 * What the function URL operations share: their dependencies, and resolving `:name` +
 * `Qualifier` to a function and a qualifier that can have a URL (none, for `$LATEST`, or an
 * existing alias), checked as Lambda checks them (a version number or `$LATEST` is a
 * ValidationException, an unknown function or alias 404).
 */
import {
  type FunctionRecord,
  type FunctionUrlStore,
  functionNotFound,
  functionRefIn,
  parseFunctionUrlQualifier,
  type VersionStore,
} from '@lamina/core';
import type { Request, Response } from 'express';

import type { AppDeps, Clock } from '../deps.js';
import type { UrlEndpoints } from '../function-urls/url-endpoints.js';
import { requestContext } from '../http/request-context.js';
import { pathParam, queryString } from '../resolve-function.js';

export type FunctionUrlRouteDeps = Pick<AppDeps, 'config' | 'functions' | 'logger'> & {
  readonly versions: Pick<VersionStore, 'getAlias'>;
  readonly store: FunctionUrlStore;
  readonly endpoints: UrlEndpoints;
  readonly clock: Clock;
};

export interface FunctionUrlTarget {
  readonly record: FunctionRecord;
  readonly functionName: string;
  readonly qualifier: string | undefined;
}

/** The function named by the path (unqualified name or ARN); 404 when it does not exist. */
export function urlFunction(
  req: Request,
  res: Response,
  deps: FunctionUrlRouteDeps,
): FunctionRecord {
  const ref = functionRefIn(deps.config, pathParam(req, 'name'));
  const record = deps.functions.get(ref.name);
  if (record === undefined) throw functionNotFound(deps.config, ref.name);
  requestContext(res, deps.logger).functionName = ref.name;
  return record;
}

/** The function and qualifier of a Create/Get/Update/Delete. */
export function urlTarget(
  req: Request,
  res: Response,
  deps: FunctionUrlRouteDeps,
): FunctionUrlTarget {
  const param = parseFunctionUrlQualifier(queryString(req, 'Qualifier'));
  const ref = functionRefIn(deps.config, pathParam(req, 'name'), param);
  const qualifier = parseFunctionUrlQualifier(ref.qualifier);
  const record = deps.functions.get(ref.name);
  if (record === undefined) throw functionNotFound(deps.config, ref.name);
  requestContext(res, deps.logger).functionName = ref.name;
  if (qualifier !== undefined && deps.versions.getAlias(ref.name, qualifier) === undefined) {
    throw functionNotFound(deps.config, ref.name, qualifier);
  }
  return { record, functionName: ref.name, qualifier };
}

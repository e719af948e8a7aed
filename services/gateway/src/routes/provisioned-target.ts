/**
 * What the provisioned concurrency operations share: resolving `:name` + `Qualifier` to a
 * function and a qualifier that can have a config (a published version, or an alias on one),
 * and the config's wire shape. `$LATEST`, no qualifier, or an alias on `$LATEST` is refused with
 * Lambda's InvalidParameterValueException; an unknown function or qualifier is 404.
 */
import {
  assertProvisionableQualifier,
  type FunctionRecord,
  functionNotFound,
  functionRefIn,
} from '@lamina/core';
import type { Request, Response } from 'express';

import type { AppDeps, Clock } from '../deps.js';
import { requestContext } from '../http/request-context.js';
import type { Provisioner } from '../provisioned/provisioner.js';
import { pathParam, queryString } from '../resolve-function.js';

export type ProvisionedRouteDeps = Pick<AppDeps, 'config' | 'functions' | 'logger'> & {
  readonly provisioner: Provisioner;
  readonly clock: Clock;
};

export interface ProvisionedTarget {
  readonly record: FunctionRecord;
  readonly functionName: string;
  readonly qualifier: string;
}

/** The function named by the path (unqualified name or ARN); 404 when it does not exist. */
export function provisionedFunction(
  req: Request,
  res: Response,
  deps: ProvisionedRouteDeps,
): FunctionRecord {
  const ref = functionRefIn(deps.config, pathParam(req, 'name'));
  const record = deps.functions.get(ref.name);
  if (record === undefined) throw functionNotFound(deps.config, ref.name);
  requestContext(res, deps.logger).functionName = ref.name;
  return record;
}

/** The function and qualifier of a Put/Get/Delete, checked as Lambda checks them. */
export function provisionedTarget(
  req: Request,
  res: Response,
  deps: ProvisionedRouteDeps,
): ProvisionedTarget {
  const ref = functionRefIn(deps.config, pathParam(req, 'name'), queryString(req, 'Qualifier'));
  const record = deps.functions.get(ref.name);
  if (record === undefined) throw functionNotFound(deps.config, ref.name);
  requestContext(res, deps.logger).functionName = ref.name;
  const qualifier = ref.qualifier;
  assertProvisionableQualifier(qualifier);
  if (deps.provisioner.versionOf(ref.name, qualifier) === undefined) {
    const alias = deps.provisioner.aliasTarget(ref.name, qualifier);
    // An alias on $LATEST: an unpublished version, as Lambda says.
    if (alias !== undefined) assertProvisionableQualifier(alias);
    throw functionNotFound(deps.config, ref.name, qualifier);
  }
  return { record, functionName: ref.name, qualifier };
}

/**
 * GetProvisionedConcurrencyConfig: GET /2019-09-30/functions/{name}/provisioned-concurrency
 * ?Qualifier=. The status is derived now from the environments the pool has initialised:
 * READY when all requested are, FAILED (with StatusReason) when their init failed.
 */
import { provisionedConfigNotFound, toProvisionedConfiguration } from '@lamina/core';
import type { Request, Response } from 'express';

import { provisionedTarget, type ProvisionedRouteDeps } from './provisioned-target.js';

export function getProvisionedConcurrency(
  deps: ProvisionedRouteDeps,
  req: Request,
  res: Response,
): void {
  const { functionName, qualifier } = provisionedTarget(req, res, deps);
  const { provisioner } = deps;
  const record = provisioner.store.get(functionName, qualifier);
  if (record === undefined) throw provisionedConfigNotFound();
  res.json(toProvisionedConfiguration(record, provisioner.state(record)));
}

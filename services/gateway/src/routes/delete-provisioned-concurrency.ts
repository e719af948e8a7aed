/**
 * DeleteProvisionedConcurrencyConfig: DELETE /2019-09-30/functions/{name}/provisioned-concurrency
 * ?Qualifier=. 204; the version goes back to on-demand (its extra environments stop when idle).
 */
import type { Request, Response } from 'express';

import { provisionedTarget, type ProvisionedRouteDeps } from './provisioned-target.js';

export async function deleteProvisionedConcurrency(
  deps: ProvisionedRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const { functionName, qualifier } = provisionedTarget(req, res, deps);
  await deps.provisioner.store.delete(functionName, qualifier);
  deps.provisioner.apply(functionName);
  res.status(204).end();
}

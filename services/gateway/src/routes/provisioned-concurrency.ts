/**
 * The provisioned concurrency operations' router: one path, told apart as Lambda does (GET with
 * `List=ALL` is ListProvisionedConcurrencyConfigs, else GetProvisionedConcurrencyConfig).
 */
import { Router } from 'express';

import { jsonBody } from '../http/body.js';
import { deleteProvisionedConcurrency } from './delete-provisioned-concurrency.js';
import { getProvisionedConcurrency } from './get-provisioned-concurrency.js';
import { listProvisionedConcurrency } from './list-provisioned-concurrency.js';
import type { ProvisionedRouteDeps } from './provisioned-target.js';
import { putProvisionedConcurrency } from './put-provisioned-concurrency.js';
import { queryString } from '../resolve-function.js';

const PATH = '/2019-09-30/functions/:name/provisioned-concurrency';

export function provisionedConcurrencyRoutes(deps: ProvisionedRouteDeps): Router {
  const router = Router();
  router.put(PATH, jsonBody('PutProvisionedConcurrencyConfig', 64 * 1024), (req, res) =>
    putProvisionedConcurrency(deps, req, res),
  );
  router.get(PATH, (req, res) => {
    if (queryString(req, 'List') === 'ALL') listProvisionedConcurrency(deps, req, res);
    else getProvisionedConcurrency(deps, req, res);
  });
  router.delete(PATH, (req, res) => deleteProvisionedConcurrency(deps, req, res));
  return router;
}

/**
 * The function URL operations' router (Lambda's 2021-10-31 paths): Create (POST), Get (GET),
 * Update (PUT) and Delete (DELETE) on `/url`, List on `/urls`.
 */
import { Router } from 'express';

import { jsonBody } from '../http/body.js';
import { createFunctionUrl } from './create-function-url.js';
import { deleteFunctionUrl } from './delete-function-url.js';
import type { FunctionUrlRouteDeps } from './function-url-target.js';
import { getFunctionUrl } from './get-function-url.js';
import { listFunctionUrls } from './list-function-urls.js';
import { updateFunctionUrl } from './update-function-url.js';

const PATH = '/2021-10-31/functions/:name/url';

export function functionUrlRoutes(deps: FunctionUrlRouteDeps): Router {
  const router = Router();
  router.post(PATH, jsonBody('CreateFunctionUrlConfig', 64 * 1024), (req, res) =>
    createFunctionUrl(deps, req, res),
  );
  router.get(PATH, (req, res) => getFunctionUrl(deps, req, res));
  router.put(PATH, jsonBody('UpdateFunctionUrlConfig', 64 * 1024), (req, res) =>
    updateFunctionUrl(deps, req, res),
  );
  router.delete(PATH, (req, res) => deleteFunctionUrl(deps, req, res));
  router.get(`${PATH}s`, (req, res) => listFunctionUrls(deps, req, res));
  return router;
}

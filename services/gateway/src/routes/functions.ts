/**
 * The function operations, one handler each (its own file), whatever the qualifier:
 * CreateFunction, ListFunctions, GetFunction, GetFunctionConfiguration and DeleteFunction. No
 * handler hands off to another with `next()`, so the order of `app.use` decides nothing here.
 */
import { CREATE_FUNCTION_ZIP_PATH } from '../code/upload-decode.js';
import { LIMITS } from '@lamina/core';
import { type Request, type Response, Router } from 'express';

import type { FunctionRouteDeps } from '../deps.js';
import { jsonBody } from '../http/body.js';
import { createFunction } from './create-function.js';
import { deleteFunction } from './delete-function.js';
import { getFunction, getFunctionConfiguration } from './get-function.js';
import { listFunctions } from './list-functions.js';

type Operation = (deps: FunctionRouteDeps, req: Request, res: Response) => void | Promise<void>;

export function functionRoutes(deps: FunctionRouteDeps): Router {
  const router = Router();
  const bind = (op: Operation) => (req: Request, res: Response) => op(deps, req, res);
  const createBody = jsonBody(
    'CreateFunction',
    LIMITS.createFunctionRequestMaxBytes,
    CREATE_FUNCTION_ZIP_PATH,
  );
  router.post('/2015-03-31/functions', createBody, bind(createFunction));
  router.get('/2015-03-31/functions', bind(listFunctions));
  router.get('/2015-03-31/functions/:name', bind(getFunction));
  router.get('/2015-03-31/functions/:name/configuration', bind(getFunctionConfiguration));
  router.delete('/2015-03-31/functions/:name', bind(deleteFunction));
  return router;
}

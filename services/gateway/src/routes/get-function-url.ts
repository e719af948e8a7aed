/** GetFunctionUrlConfig: GET /2021-10-31/functions/{name}/url?Qualifier=. */
import { functionUrlNotFound, toFunctionUrlConfig } from '@lamina/core';
import type { Request, Response } from 'express';

import { type FunctionUrlRouteDeps, urlTarget } from './function-url-target.js';

export async function getFunctionUrl(
  deps: FunctionUrlRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const { functionName, qualifier } = urlTarget(req, res, deps);
  const record = await deps.store.get(functionName, qualifier);
  if (record === undefined) throw functionUrlNotFound();
  res.json(toFunctionUrlConfig(record, deps.endpoints.urlOf(record), deps.config));
}

/**
 * DeleteFunctionUrlConfig: DELETE /2021-10-31/functions/{name}/url?Qualifier=, 204. The URL stops
 * answering at once (local mode closes its listener).
 */
import { functionUrlNotFound } from '@lamina/core';
import type { Request, Response } from 'express';

import { type FunctionUrlRouteDeps, urlTarget } from './function-url-target.js';

export async function deleteFunctionUrl(
  deps: FunctionUrlRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const { functionName, qualifier } = urlTarget(req, res, deps);
  const removed = await deps.store.delete(functionName, qualifier);
  if (removed === undefined) throw functionUrlNotFound();
  await deps.endpoints.close(removed);
  res.status(204).end();
}

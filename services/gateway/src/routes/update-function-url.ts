/**
 * UpdateFunctionUrlConfig: PUT /2021-10-31/functions/{name}/url?Qualifier=. Only the fields the
 * body names change (a given Cors replaces the whole structure); the URL itself never changes.
 */
import {
  type FunctionUrlRecord,
  functionUrlNotFound,
  functionUrlTimestamp,
  parseFunctionUrlFields,
  toFunctionUrlConfig,
} from '@lamina/core';
import type { Request, Response } from 'express';

import { type FunctionUrlRouteDeps, urlTarget } from './function-url-target.js';
import { bodyOf } from './request-fields.js';

export async function updateFunctionUrl(
  deps: FunctionUrlRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const { functionName, qualifier } = urlTarget(req, res, deps);
  const fields = parseFunctionUrlFields(bodyOf(req), 'update');
  const current = await deps.store.get(functionName, qualifier);
  if (current === undefined) throw functionUrlNotFound();
  const record: FunctionUrlRecord = {
    ...current,
    ...(fields.authType === undefined ? {} : { authType: fields.authType }),
    ...(fields.invokeMode === undefined ? {} : { invokeMode: fields.invokeMode }),
    ...(fields.cors === undefined ? {} : { cors: fields.cors }),
    lastModifiedTime: functionUrlTimestamp(deps.clock.now()),
  };
  await deps.store.put(record);
  res.json(toFunctionUrlConfig(record, deps.endpoints.urlOf(record), deps.config));
}

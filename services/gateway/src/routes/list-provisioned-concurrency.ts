/**
 * ListProvisionedConcurrencyConfigs: GET /2019-09-30/functions/{name}/provisioned-concurrency
 * ?List=ALL, with Marker and MaxItems (pages of at most 50). Each entry carries the qualified
 * FunctionArn; entries are ordered by qualifier, and the marker names the last one.
 */
import { functionArn, toProvisionedConfiguration } from '@lamina/core';
import type { Request, Response } from 'express';

import { provisionedFunction, type ProvisionedRouteDeps } from './provisioned-target.js';
import { encodeMarker, pageOf } from './request-fields.js';

export function listProvisionedConcurrency(
  deps: ProvisionedRouteDeps,
  req: Request,
  res: Response,
): void {
  const fn = provisionedFunction(req, res, deps);
  const { max, after } = pageOf(req, /^[a-zA-Z0-9_$-]{1,128}$/);
  const all = deps.provisioner.store.list(fn.spec.name);
  const start = after === undefined ? 0 : all.findIndex((r) => r.qualifier > after);
  const page = start < 0 ? [] : all.slice(start, start + max);
  const last = page.at(-1);
  const more = start >= 0 && start + max < all.length && last !== undefined;
  res.json({
    ProvisionedConcurrencyConfigs: page.map((r) => ({
      FunctionArn: functionArn(deps.config, r.functionName, r.qualifier),
      ...toProvisionedConfiguration(r, deps.provisioner.state(r)),
    })),
    ...(more ? { NextMarker: encodeMarker(last.qualifier) } : {}),
  });
}

/**
 * ListFunctionUrlConfigs: GET /2021-10-31/functions/{name}/urls, with Marker and MaxItems (pages
 * of at most 50). The unqualified URL comes first, then aliases by name; the marker names the
 * last entry's qualifier.
 */
import { toFunctionUrlConfig } from '@lamina/core';
import type { Request, Response } from 'express';

import { type FunctionUrlRouteDeps, urlFunction } from './function-url-target.js';
import { encodeMarker, pageOf } from './request-fields.js';

const keyOf = (qualifier: string | undefined): string => `#${qualifier ?? ''}`;

export async function listFunctionUrls(
  deps: FunctionUrlRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const fn = urlFunction(req, res, deps);
  const { max, after } = pageOf(req, /^#[a-zA-Z0-9_-]{0,128}$/);
  const all = await deps.store.list(fn.spec.name);
  const start = after === undefined ? 0 : all.findIndex((r) => keyOf(r.qualifier) > after);
  const page = start < 0 ? [] : all.slice(start, start + max);
  const last = page.at(-1);
  const more = start >= 0 && start + max < all.length && last !== undefined;
  res.json({
    FunctionUrlConfigs: page.map((r) =>
      toFunctionUrlConfig(r, deps.endpoints.urlOf(r), deps.config),
    ),
    ...(more ? { NextMarker: encodeMarker(keyOf(last.qualifier)) } : {}),
  });
}

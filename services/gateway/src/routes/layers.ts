/**
 * The layer operations (Lambda's `/2018-10-31/layers` paths): PublishLayerVersion
 * (publish-layer-version.ts), GetLayerVersion, GetLayerVersionByArn, ListLayerVersions,
 * ListLayers and DeleteLayerVersion, on the backend's layer store.
 *
 * Invariants: a layer version is never changed; DeleteLayerVersion is idempotent (204 whether or
 * not the version existed) and leaves the content in the code store while a function or version
 * still uses it (the code collector decides); list pages are at most 50 long.
 */
import { LAYER_ZIP_PATH } from '../code/upload-decode.js';
import {
  assertLayerVersionArn,
  type LayerVersionRecord,
  LaminaError,
  LIMITS,
  layerArn,
  layerMatches,
  parseLayerName,
  toLayerVersionOutput,
  toLayerVersionsListItem,
} from '@lamina/core';
import { type Request, type Response, Router } from 'express';

import { jsonBody } from '../http/body.js';
import { pathParam, queryString } from '../resolve-function.js';
import { codeLocation } from './code.js';
import { type LayerRouteDeps, publishLayerVersion } from './publish-layer-version.js';
import { encodeMarker, pageOf } from './request-fields.js';

export type { LayerRouteDeps } from './publish-layer-version.js';

// A base64 zip inside JSON, like CreateFunction's.
const PUBLISH_BODY_LIMIT = LIMITS.createFunctionRequestMaxBytes;
const VERSION_NUMBER = /^[0-9]{1,15}$/;

const notFound = (): Error =>
  new LaminaError('ResourceNotFoundException', 'The resource you requested does not exist.');

function versionNumberOf(req: Request): number {
  const raw = pathParam(req, 'versionNumber');
  if (!VERSION_NUMBER.test(raw)) {
    throw new LaminaError(
      'ValidationException',
      "1 validation error detected: Value at 'versionNumber' failed to satisfy constraint: Member must be a number",
    );
  }
  return Number(raw);
}

function filterOf(req: Request): { runtime?: string; architecture?: string } {
  const runtime = queryString(req, 'CompatibleRuntime');
  const architecture = queryString(req, 'CompatibleArchitecture');
  return {
    ...(runtime === undefined || runtime === '' ? {} : { runtime }),
    ...(architecture === undefined || architecture === '' ? {} : { architecture }),
  };
}

function answerVersion(
  deps: LayerRouteDeps,
  req: Request,
  res: Response,
  r: LayerVersionRecord | undefined,
): void {
  if (r === undefined) throw notFound();
  res.json(toLayerVersionOutput(r, deps.config, (v) => codeLocation(req, v.sha256)));
}

/** GetLayerVersionByArn (`?find=LayerVersion&Arn=`) and ListLayers share one path. */
function layersPath(deps: LayerRouteDeps, req: Request, res: Response): void {
  if (queryString(req, 'find') === 'LayerVersion') {
    const ref = assertLayerVersionArn(queryString(req, 'Arn') ?? '');
    const ours = ref.region === deps.config.region && ref.accountId === deps.config.accountId;
    answerVersion(deps, req, res, ours ? deps.layers.get(ref.layerName, ref.version) : undefined);
    return;
  }
  listLayers(deps, req, res);
}

/** Each layer with its newest version that passes the filter; the marker is the layer name. */
function listLayers(deps: LayerRouteDeps, req: Request, res: Response): void {
  const { max, after } = pageOf(req, /^[a-zA-Z0-9-_]{1,140}$/);
  const filter = filterOf(req);
  const latest = new Map<string, LayerVersionRecord>();
  for (const r of deps.layers.list()) {
    if (layerMatches(r, filter)) latest.set(r.layerName, r);
  }
  const names = [...latest.keys()].sort().filter((n) => after === undefined || n > after);
  const page = names.slice(0, max);
  const last = page.at(-1);
  res.json({
    Layers: page.flatMap((name) => {
      const r = latest.get(name);
      if (r === undefined) return [];
      return [
        {
          LayerName: name,
          LayerArn: layerArn(deps.config, name),
          LatestMatchingVersion: toLayerVersionsListItem(r, deps.config),
        },
      ];
    }),
    ...(names.length > max && last !== undefined ? { NextMarker: encodeMarker(last) } : {}),
  });
}

/** Newest first; the marker is the last version returned. */
function listLayerVersions(deps: LayerRouteDeps, req: Request, res: Response): void {
  const layerName = parseLayerName(pathParam(req, 'layerName'));
  const { max, after } = pageOf(req, /^[0-9]{1,15}$/);
  const filter = filterOf(req);
  const all = deps.layers
    .list(layerName)
    .filter((r) => layerMatches(r, filter))
    .reverse()
    .filter((r) => after === undefined || r.version < Number(after));
  const page = all.slice(0, max);
  const last = page.at(-1);
  res.json({
    LayerVersions: page.map((r) => toLayerVersionsListItem(r, deps.config)),
    ...(all.length > max && last !== undefined
      ? { NextMarker: encodeMarker(String(last.version)) }
      : {}),
  });
}

export function layerRoutes(deps: LayerRouteDeps): Router {
  const router = Router();
  router.post(
    '/2018-10-31/layers/:layerName/versions',
    jsonBody('PublishLayerVersion', PUBLISH_BODY_LIMIT, LAYER_ZIP_PATH),
    (req, res) => publishLayerVersion(deps, req, res),
  );
  router.get('/2018-10-31/layers', (req, res) => {
    layersPath(deps, req, res);
  });
  router.get('/2018-10-31/layers/:layerName/versions', (req, res) => {
    listLayerVersions(deps, req, res);
  });
  router.get('/2018-10-31/layers/:layerName/versions/:versionNumber', (req, res) => {
    const name = parseLayerName(pathParam(req, 'layerName'));
    answerVersion(deps, req, res, deps.layers.get(name, versionNumberOf(req)));
  });
  router.delete('/2018-10-31/layers/:layerName/versions/:versionNumber', async (req, res) => {
    const name = parseLayerName(pathParam(req, 'layerName'));
    await deps.layers.delete(name, versionNumberOf(req));
    res.status(204).end();
  });
  return router;
}

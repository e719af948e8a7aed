/**
 * PublishVersion and ListVersionsByFunction, one handler each. The qualified forms of GetFunction,
 * GetFunctionConfiguration and DeleteFunction are answered by those operations' own handlers
 * (get-function.ts, delete-function.ts).
 */
import {
  type ArnContext,
  assertNotTransitioning,
  LATEST,
  toFunctionConfiguration,
  toVersionConfiguration,
  type VersionStore,
} from '@lamina/core';
import { type Request, type Response, Router } from 'express';

import type { CodeFreezer } from '../code/code-snapshots.js';
import type { AppDeps, Clock } from '../deps.js';
import { jsonBody } from '../http/body.js';
import { requestContext } from '../http/request-context.js';
import { publishVersion, resolveUnqualified } from '../publish-version.js';
import type { StateTransitions } from '../state-transitions.js';
import { bodyOf, encodeMarker, pageOf } from './request-fields.js';
import type { CodeStorageGuard } from '../code/code-storage-quota.js';

export type VersionRouteDeps = Pick<AppDeps, 'config' | 'functions' | 'logger'> & {
  readonly versions: VersionStore;
  readonly codeFreezer: CodeFreezer;
  readonly clock: Clock;
  /** PublishVersion counts a new version's code (code-storage-quota.ts). */
  readonly codeStorage?: CodeStorageGuard;
  readonly transitions: StateTransitions;
};

const BODY_LIMIT = 64 * 1024;

export async function publishVersionOperation(
  deps: VersionRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const arn: ArnContext = deps.config;
  const found = resolveUnqualified(req, deps.functions, arn);
  requestContext(res, deps.logger).functionName = found.spec.name;
  // Local mode applies its own transitions in milliseconds: publish what they produce.
  await deps.transitions.settled(found.spec.name);
  const latest = deps.functions.get(found.spec.name) ?? found;
  assertNotTransitioning(arn, latest);
  const b = bodyOf(req);
  const version = await publishVersion(deps, arn, latest.spec.name, {
    codeSha256: b['CodeSha256'],
    description: b['Description'],
    revisionId: b['RevisionId'],
  });
  res.status(201).json(toVersionConfiguration(version, arn));
}

/** `$LATEST` first, then versions oldest first; the marker is the last Version returned. */
export function listVersionsByFunction(deps: VersionRouteDeps, req: Request, res: Response): void {
  const arn: ArnContext = deps.config;
  const latest = resolveUnqualified(req, deps.functions, arn);
  const { max, after } = pageOf(req, /^(\$LATEST|[1-9][0-9]{0,9})$/);
  const all = deps.versions.listVersions(latest.spec.name);
  let start = 0;
  if (after !== undefined && after !== LATEST) {
    const i = all.findIndex((v) => Number(v.version) > Number(after));
    start = i < 0 ? all.length + 1 : i + 1;
  } else if (after === LATEST) start = 1;
  const items = [undefined, ...all].slice(start, start + max);
  const more = start + max < all.length + 1;
  const last = items.at(-1);
  res.json({
    Versions: items.map((v) =>
      v === undefined
        ? toFunctionConfiguration(latest, arn, { qualified: true })
        : toVersionConfiguration(v, arn),
    ),
    ...(more && items.length > 0
      ? { NextMarker: encodeMarker(last === undefined ? LATEST : last.version) }
      : {}),
  });
}

export function versionRoutes(deps: VersionRouteDeps): Router {
  const router = Router();
  router.post(
    '/2015-03-31/functions/:name/versions',
    jsonBody('PublishVersion', BODY_LIMIT),
    (req, res) => publishVersionOperation(deps, req, res),
  );
  router.get('/2015-03-31/functions/:name/versions', (req, res) => {
    listVersionsByFunction(deps, req, res);
  });
  return router;
}

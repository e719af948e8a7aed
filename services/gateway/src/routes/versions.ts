import {
  type ArnContext,
  functionArn,
  isVersionNumber,
  LaminaError,
  LATEST,
  LIMITS,
  toFunctionConfiguration,
  toVersionConfiguration,
  type VersionStore,
} from '@lamina/core';
import { type NextFunction, type Request, type Response, Router } from 'express';

import { jsonBody } from '../http/body.js';
import type { AppDeps, Clock } from '../deps.js';
import {
  publishVersion,
  type Qualified,
  resolveQualified,
  resolveUnqualified,
} from '../publish-version.js';
import { queryString } from '../resolve-function.js';
import { requestContext } from '../http/request-context.js';
import type { CodeFreezer } from '../code/code-snapshots.js';
import { codeLocation } from './code.js';

export type VersionRouteDeps = Pick<AppDeps, 'config' | 'functions' | 'logger'> & {
  readonly versions: VersionStore;
  readonly codeFreezer: CodeFreezer;
  readonly clock: Clock;
};

const BODY_LIMIT = 64 * 1024;

type Body = Record<string, unknown>;

const bodyOf = (req: Request): Body => {
  const b: unknown = req.body;
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Body) : {};
};

/** MaxItems (1–10000; pages are at most 50) and the Marker of a list call. */
export function pageOf(req: Request, marker: RegExp): { max: number; after: string | undefined } {
  const raw = queryString(req, 'MaxItems');
  let max: number = LIMITS.listMaxItems;
  if (raw !== undefined) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) {
      throw new LaminaError(
        'ValidationException',
        "'MaxItems' value failed to satisfy constraint: Member must have value between 1 and 10000",
      );
    }
    max = Math.min(n, LIMITS.listMaxItems);
  }
  const m = queryString(req, 'Marker');
  if (m === undefined || m === '') return { max, after: undefined };
  const after = Buffer.from(m, 'base64url').toString('utf8');
  if (!marker.test(after))
    throw new LaminaError('InvalidParameterValueException', 'Invalid Marker.');
  return { max, after };
}

export const encodeMarker = (key: string): string => Buffer.from(key).toString('base64url');

/**
 * PublishVersion, ListVersionsByFunction, and the qualified forms of GetFunction,
 * GetFunctionConfiguration and DeleteFunction (a version or an alias); unqualified and
 * `$LATEST` calls fall through to the function routes.
 */
export function versionRoutes(deps: VersionRouteDeps): Router {
  const { config, functions, versions, logger } = deps;
  const arn: ArnContext = config;
  const router = Router();

  router.post(
    '/2015-03-31/functions/:name/versions',
    jsonBody('PublishVersion', BODY_LIMIT),
    async (req, res) => {
      const latest = resolveUnqualified(req, functions, arn);
      requestContext(res, logger).functionName = latest.spec.name;
      const b = bodyOf(req);
      const version = await publishVersion(deps, arn, latest.spec.name, {
        codeSha256: b['CodeSha256'],
        description: b['Description'],
        revisionId: b['RevisionId'],
      });
      res.status(201).json(toVersionConfiguration(version, arn));
    },
  );

  // ListFunctions?FunctionVersion=ALL: every version of every function, qualified ARNs, by
  // name then $LATEST then number; without it the function routes list `$LATEST` only.
  router.get('/2015-03-31/functions', (req: Request, res: Response, next: NextFunction) => {
    if (queryString(req, 'FunctionVersion') !== 'ALL') {
      next();
      return;
    }
    const { max, after } = pageOf(req, /^[a-zA-Z0-9_-]{1,64}:(\$LATEST|[1-9][0-9]{0,9})$/);
    const rows = [...functions.list()]
      .sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0))
      .flatMap((latest) => [
        {
          key: `${latest.spec.name}:${LATEST}`,
          config: () => toFunctionConfiguration(latest, arn, { qualified: true, listing: true }),
        },
        ...versions.listVersions(latest.spec.name).map((v) => ({
          key: `${v.functionName}:${v.version}`,
          config: () => toVersionConfiguration(v, arn, v.version, { listing: true }),
        })),
      ]);
    const start = after === undefined ? 0 : rows.findIndex((r) => r.key === after) + 1;
    if (after !== undefined && start === 0) {
      throw new LaminaError('InvalidParameterValueException', 'Invalid Marker.');
    }
    const page = rows.slice(start, start + max);
    const last = page.at(-1);
    res.json({
      Functions: page.map((r) => r.config()),
      ...(start + max < rows.length && last !== undefined
        ? { NextMarker: encodeMarker(last.key) }
        : {}),
    });
  });

  router.get('/2015-03-31/functions/:name/versions', (req, res) => {
    const latest = resolveUnqualified(req, functions, arn);
    const name = latest.spec.name;
    const { max, after } = pageOf(req, /^(\$LATEST|[1-9][0-9]{0,9})$/);
    const all = versions.listVersions(name);
    // $LATEST first, then versions oldest first; the marker is the last Version returned.
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
  });

  const qualified = (req: Request): Exclude<Qualified, { kind: 'latest' }> | undefined => {
    const q = resolveQualified(req, functions, versions, arn);
    return q.kind === 'latest' ? undefined : q;
  };

  const configurationOf = (q: Qualified): Record<string, unknown> => {
    if (q.kind === 'version') return toVersionConfiguration(q.version, arn);
    if (q.kind === 'alias' && q.version !== undefined) {
      return toVersionConfiguration(q.version, arn, q.qualifier);
    }
    // An alias of $LATEST (version-qualified ARNs keep the alias name).
    return {
      ...toFunctionConfiguration(q.latest, arn, { qualified: true }),
      FunctionArn: functionArn(arn, q.latest.spec.name, q.qualifier),
    };
  };

  router.get('/2015-03-31/functions/:name', (req: Request, res: Response, next: NextFunction) => {
    const q = qualified(req);
    if (q === undefined) {
      next();
      return;
    }
    const config = configurationOf(q);
    const sha = (q.version ?? q.latest).code.sha256;
    const reserved = q.latest.spec.reservedConcurrency;
    res.json({
      Configuration: config,
      Code: { RepositoryType: 'S3', Location: codeLocation(req, sha) },
      ...(Object.keys(q.latest.tags).length > 0 ? { Tags: q.latest.tags } : {}),
      ...(reserved === undefined
        ? {}
        : { Concurrency: { ReservedConcurrentExecutions: reserved } }),
    });
  });

  router.get(
    '/2015-03-31/functions/:name/configuration',
    (req: Request, res: Response, next: NextFunction) => {
      const q = qualified(req);
      if (q === undefined) {
        next();
        return;
      }
      res.json(configurationOf(q));
    },
  );

  // DeleteFunction with a version number deletes that version (refused while an alias uses it).
  router.delete(
    '/2015-03-31/functions/:name',
    async (req: Request, res: Response, next: NextFunction) => {
      const q = qualified(req);
      if (q === undefined) {
        next();
        return;
      }
      requestContext(res, logger).functionName = q.latest.spec.name;
      if (q.kind === 'alias' || !isVersionNumber(q.qualifier)) {
        throw new LaminaError(
          'InvalidParameterValueException',
          `Deleting an alias with DeleteFunction is not supported; use DeleteAlias for ${q.qualifier}.`,
        );
      }
      await versions.deleteVersion(q.latest.spec.name, q.qualifier);
      res.status(204).end();
    },
  );

  return router;
}

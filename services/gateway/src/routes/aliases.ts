import { randomUUID } from 'node:crypto';

import {
  asyncConfigField,
  type AliasRecord,
  type ArnContext,
  assertAliasName,
  assertAliasRouting,
  assertAliasTarget,
  assertRevision,
  parseRoutingConfig,
  toAliasConfiguration,
  type VersionStore,
  aliasNotFound,
} from '@lamina/core';
import { type Request, Router } from 'express';

import { jsonBody } from '../http/body.js';
import type { AppDeps } from '../deps.js';
import { resolveUnqualified } from '../publish-version.js';
import { pathParam, queryString } from '../resolve-function.js';
import { requestContext } from '../http/request-context.js';
import { bodyOf, descriptionOf, encodeMarker, pageOf } from './request-fields.js';

export type AliasRouteDeps = Pick<AppDeps, 'config' | 'functions' | 'logger' | 'async'> & {
  readonly versions: VersionStore;
};

const PATH = '/2015-03-31/functions/:name/aliases';
const BODY_LIMIT = 64 * 1024;

/** CreateAlias, GetAlias, UpdateAlias, ListAliases, DeleteAlias. */
export function aliasRoutes(deps: AliasRouteDeps): Router {
  const { config, functions, versions, logger } = deps;
  const arn: ArnContext = config;
  const router = Router();

  const functionOf = (req: Request, res: import('express').Response): string => {
    const name = resolveUnqualified(req, functions, arn).spec.name;
    requestContext(res, logger).functionName = name;
    return name;
  };
  const aliasName = (req: Request): string => {
    const name = pathParam(req, 'alias');
    assertAliasName(name);
    return name;
  };
  const checked = (alias: AliasRecord): AliasRecord => {
    assertAliasRouting(alias, (v) => versions.getVersion(alias.functionName, v), arn);
    return alias;
  };

  router.post(PATH, jsonBody('CreateAlias', BODY_LIMIT), async (req, res) => {
    const functionName = functionOf(req, res);
    const b = bodyOf(req);
    const name = b['Name'];
    assertAliasName(name);
    const target = b['FunctionVersion'];
    assertAliasTarget(target);
    const alias = checked({
      functionName,
      name,
      functionVersion: target,
      description: descriptionOf(b['Description'], ''),
      additionalVersionWeights: parseRoutingConfig(b['RoutingConfig']) ?? {},
      revisionId: randomUUID(),
    });
    await versions.createAlias(alias);
    res.status(201).json(toAliasConfiguration(alias, arn));
  });

  router.get(PATH, (req, res) => {
    const functionName = functionOf(req, res);
    const only = queryString(req, 'FunctionVersion');
    if (only !== undefined) assertAliasTarget(only);
    const { max, after } = pageOf(req, /^[a-zA-Z0-9_-]{1,128}$/);
    const all = versions
      .listAliases(functionName)
      .filter(
        (a) =>
          only === undefined || a.functionVersion === only || only in a.additionalVersionWeights,
      );
    const start = after === undefined ? 0 : all.findIndex((a) => a.name > after);
    const page = start < 0 ? [] : all.slice(start, start + max);
    const last = page.at(-1);
    const more = start >= 0 && start + max < all.length && last !== undefined;
    res.json({
      Aliases: page.map((a) => toAliasConfiguration(a, arn)),
      ...(more ? { NextMarker: encodeMarker(last.name) } : {}),
    });
  });

  router.get(`${PATH}/:alias`, (req, res) => {
    const functionName = functionOf(req, res);
    const name = aliasName(req);
    const alias = versions.getAlias(functionName, name);
    if (alias === undefined) {
      // The store's message, without a write.
      throw aliasNotFound(arn, functionName, name);
    }
    res.json(toAliasConfiguration(alias, arn));
  });

  router.put(`${PATH}/:alias`, jsonBody('UpdateAlias', BODY_LIMIT), async (req, res) => {
    const functionName = functionOf(req, res);
    const name = aliasName(req);
    const b = bodyOf(req);
    const target = b['FunctionVersion'];
    if (target !== undefined && target !== null) assertAliasTarget(target);
    const routing = parseRoutingConfig(b['RoutingConfig']);
    const updated = await versions.updateAlias(functionName, name, (current) => {
      assertRevision(b['RevisionId'], current.revisionId, 'alias');
      return checked({
        ...current,
        functionVersion: typeof target === 'string' ? target : current.functionVersion,
        description: descriptionOf(b['Description'], current.description),
        additionalVersionWeights: routing ?? current.additionalVersionWeights,
        revisionId: randomUUID(),
      });
    });
    res.json(toAliasConfiguration(updated, arn));
  });

  router.delete(`${PATH}/:alias`, async (req, res) => {
    const functionName = functionOf(req, res);
    const alias = aliasName(req);
    await versions.deleteAlias(functionName, alias);
    await deps.async?.deleteConfig(asyncConfigField(functionName, alias));
    res.status(204).end();
  });

  return router;
}

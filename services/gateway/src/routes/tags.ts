/**
 * TagResource, UntagResource and ListTags on function ARNs (issue #16): the tags live on the
 * function record, so both modes' stores keep them (cluster: the Function's `lamina.dev/tags`
 * annotation) and they go with the function when it is deleted.
 *
 * Invariants: only unqualified function ARNs of this region and account are taggable here (an
 * ARN of another region or account answers as every other operation does); the rules (50 tags,
 * no `aws:` keys) are core's tags.ts; lengths and characters were checked against the model.
 */
import {
  type ArnContext,
  functionNotFound,
  functionRefIn,
  InvalidParameterValueException,
  mergeTags,
  tagMap,
  withoutTags,
} from '@lamina/core';
import { type Request, Router } from 'express';

import type { FunctionRouteDeps } from '../deps.js';
import { jsonBody } from '../http/body.js';
import { pathParam } from '../resolve-function.js';
import { bodyOf } from './request-fields.js';

const PATH = '/2017-03-31/tags/:arn';
const BODY_LIMIT = 64 * 1024;

export type TagRouteDeps = Pick<FunctionRouteDeps, 'config' | 'functions'>;

/** The function a taggable ARN names; event source mappings and the rest are not taggable yet. */
function taggedFunction(deps: TagRouteDeps, req: Request): string {
  const arn = pathParam(req, 'arn');
  const ctx: ArnContext = deps.config;
  if (!/^arn:[^:]+:lambda:[^:]+:\d{12}:function:/.test(arn)) {
    throw new InvalidParameterValueException(`Lamina tags functions only: ${arn}`);
  }
  const ref = functionRefIn(ctx, arn);
  if (ref.qualifier !== undefined) {
    throw new InvalidParameterValueException(
      `Tags are not supported on a function version or alias: ${arn}`,
    );
  }
  if (deps.functions.get(ref.name) === undefined) throw functionNotFound(ctx, ref.name);
  return ref.name;
}

/** UntagResource's `tagKeys` query parameter, repeated once per key. */
function tagKeysOf(req: Request): string[] {
  const v: unknown = req.query['tagKeys'];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];
}

export function tagRoutes(deps: TagRouteDeps): Router {
  const router = Router();
  router.post(PATH, jsonBody('TagResource', BODY_LIMIT), async (req, res) => {
    const name = taggedFunction(deps, req);
    const added = tagMap(bodyOf(req)['Tags']);
    await deps.functions.update(name, (current) => ({
      ...current,
      tags: mergeTags(current.tags, added),
    }));
    res.status(204).end();
  });
  router.delete(PATH, async (req, res) => {
    const name = taggedFunction(deps, req);
    const keys = tagKeysOf(req);
    await deps.functions.update(name, (current) => ({
      ...current,
      tags: withoutTags(current.tags, keys),
    }));
    res.status(204).end();
  });
  router.get(PATH, (req, res) => {
    const name = taggedFunction(deps, req);
    res.json({ Tags: { ...deps.functions.get(name)?.tags } });
  });
  return router;
}

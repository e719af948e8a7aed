/**
 * AddPermission, GetPolicy and RemovePermission (issue #18): a function's resource-based policy,
 * per qualifier, kept on its record (core's resource-policy.ts) so it is stored by both modes'
 * function stores and deleted with the function. Every change gives the function a new
 * RevisionId, which GetPolicy reports and a RevisionId parameter must match, as on AWS.
 *
 * Invariants: a qualifier must name an existing version or alias; a duplicate StatementId is
 * ResourceConflictException; no statement at all is ResourceNotFoundException ("The resource you
 * requested does not exist."); the last statement removed leaves no policy behind.
 */
import { randomUUID } from 'node:crypto';

import {
  duplicateStatement,
  type FunctionPolicy,
  type FunctionRecord,
  functionArn,
  noPolicy,
  parseAddPermission,
  type PermissionStatement,
  policyJson,
  policyRevisionMismatch,
  statementJson,
  statementNotFound,
} from '@lamina/core';
import { type Request, Router } from 'express';

import type { FunctionRouteDeps } from '../deps.js';
import { jsonBody } from '../http/body.js';
import { resolveQualified } from '../publish-version.js';
import { pathParam, queryString } from '../resolve-function.js';

const PATH = '/2015-03-31/functions/:name/policy';
const BODY_LIMIT = 64 * 1024;

export type PolicyRouteDeps = Pick<FunctionRouteDeps, 'config' | 'functions' | 'versions'>;

interface Target {
  readonly name: string;
  /** `''` for the unqualified function. */
  readonly key: string;
  readonly arn: string;
  readonly record: FunctionRecord;
}

function targetOf(req: Request, deps: PolicyRouteDeps): Target {
  const q = resolveQualified(req, deps.functions, deps.versions, deps.config);
  const name = q.latest.spec.name;
  const key = q.qualifier ?? '';
  return {
    name,
    key,
    arn: functionArn(deps.config, name, key === '' ? undefined : key),
    record: q.latest,
  };
}

function withStatements(
  policy: FunctionPolicy | undefined,
  key: string,
  statements: readonly PermissionStatement[],
): FunctionPolicy | undefined {
  const next = Object.entries(policy ?? {}).filter(([k]) => k !== key);
  if (statements.length > 0) next.push([key, statements]);
  return next.length === 0 ? undefined : Object.fromEntries(next);
}

function withPolicy(record: FunctionRecord, policy: FunctionPolicy | undefined): FunctionRecord {
  const next: { -readonly [K in keyof FunctionRecord]: FunctionRecord[K] } = {
    ...record,
    revisionId: randomUUID(),
  };
  if (policy === undefined) delete next.policy;
  else next.policy = policy;
  return next;
}

function checkRevision(record: FunctionRecord, revisionId: string | undefined): void {
  if (revisionId !== undefined && revisionId !== record.revisionId) throw policyRevisionMismatch();
}

export function policyRoutes(deps: PolicyRouteDeps): Router {
  const router = Router();

  router.post(PATH, jsonBody('AddPermission', BODY_LIMIT), async (req, res) => {
    const t = targetOf(req, deps);
    const { statement, revisionId } = parseAddPermission(req.body);
    await deps.functions.update(t.name, (current) => {
      checkRevision(current, revisionId);
      const statements = current.policy?.[t.key] ?? [];
      if (statements.some((s) => s.sid === statement.sid)) throw duplicateStatement();
      return withPolicy(current, withStatements(current.policy, t.key, [...statements, statement]));
    });
    res.status(201).json({ Statement: JSON.stringify(statementJson(statement, t.arn)) });
  });

  router.get(PATH, (req, res) => {
    const t = targetOf(req, deps);
    const statements = t.record.policy?.[t.key];
    if (statements === undefined || statements.length === 0) throw noPolicy();
    res.json({ Policy: policyJson(statements, t.arn), RevisionId: t.record.revisionId });
  });

  router.delete(`${PATH}/:sid`, async (req, res) => {
    const t = targetOf(req, deps);
    const sid = pathParam(req, 'sid');
    const revisionId = queryString(req, 'RevisionId');
    await deps.functions.update(t.name, (current) => {
      checkRevision(current, revisionId);
      const statements = current.policy?.[t.key] ?? [];
      if (!statements.some((s) => s.sid === sid)) {
        throw statements.length === 0 ? noPolicy() : statementNotFound(sid);
      }
      const rest = statements.filter((s) => s.sid !== sid);
      return withPolicy(current, withStatements(current.policy, t.key, rest));
    });
    res.status(204).end();
  });

  return router;
}

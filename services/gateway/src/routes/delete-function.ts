/**
 * DeleteFunction, one handler for every qualifier: unqualified deletes the function with its
 * versions and aliases; a version number deletes that version (refused while an alias uses it);
 * `$LATEST` and aliases are refused, as Lambda does.
 *
 * Invariant: once the function's record is deleted, the cleanup that follows (reservation,
 * environments, versions, event invoke configs) never resurrects it: failures there are logged,
 * the answer stays 204.
 */
import { asyncConfigField, LaminaError, LATEST } from '@lamina/core';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';

import { requestContext } from '../http/request-context.js';
import { type Qualified, resolveQualified } from '../publish-version.js';
import type { FunctionRouteDeps } from '../deps.js';

async function deleteWholeFunction(
  deps: FunctionRouteDeps,
  name: string,
  log: Pick<Logger, 'warn'>,
): Promise<void> {
  await deps.functions.delete(name);
  const cleanup = await Promise.allSettled([
    deps.admission.setReserved(name, undefined),
    deps.pool.evict(name),
    deps.versions.deleteFunction(name),
    deps.async?.deleteConfigs(name),
  ]);
  for (const r of cleanup) {
    if (r.status === 'rejected') {
      const err: unknown = r.reason;
      log.warn({ err }, 'cleanup after delete failed');
    }
  }
}

function refuseQualifier(q: Exclude<Qualified, { kind: 'version' }>): never {
  if (q.kind === 'alias') {
    throw new LaminaError(
      'InvalidParameterValueException',
      `Deleting an alias with DeleteFunction is not supported; use DeleteAlias for ${q.qualifier}.`,
    );
  }
  throw new LaminaError(
    'InvalidParameterValueException',
    `${LATEST} version cannot be deleted without deleting the function.`,
  );
}

export async function deleteFunction(
  deps: FunctionRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const ctx = requestContext(res, deps.logger);
  const q = resolveQualified(req, deps.functions, deps.versions, deps.config);
  const name = q.latest.spec.name;
  ctx.functionName = name;
  if (q.kind === 'version') {
    await deps.versions.deleteVersion(name, q.qualifier);
    await deps.async?.deleteConfig(asyncConfigField(name, q.qualifier));
  } else if (q.kind === 'latest' && q.qualifier === undefined) {
    await deleteWholeFunction(deps, name, ctx.log);
  } else refuseQualifier(q);
  res.status(204).end();
}

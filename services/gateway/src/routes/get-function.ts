/**
 * GetFunction and GetFunctionConfiguration, each one handler for every qualifier: none or
 * `$LATEST` answers the function's `$LATEST`, a version number that version, an alias the version
 * it points at (with the alias in the ARN). Reads come from the stores' memory.
 */
import {
  type ArnContext,
  type FunctionCode,
  functionArn,
  toFunctionConfiguration,
  toVersionConfiguration,
} from '@lamina/core';
import type { Request, Response } from 'express';

import { type Qualified, resolveQualified } from '../publish-version.js';
import type { FunctionRouteDeps } from '../deps.js';
import { codeLocation } from './code.js';

/** The FunctionConfiguration of what the qualifier names. */
function configurationOf(q: Qualified, arn: ArnContext): Record<string, unknown> {
  switch (q.kind) {
    case 'latest':
      return toFunctionConfiguration(q.latest, arn, { qualified: q.qualifier !== undefined });
    case 'version':
      return toVersionConfiguration(q.version, arn);
    case 'alias':
      if (q.version !== undefined) return toVersionConfiguration(q.version, arn, q.qualifier);
      // An alias of $LATEST (version-qualified ARNs keep the alias name).
      return {
        ...toFunctionConfiguration(q.latest, arn, { qualified: true }),
        FunctionArn: functionArn(arn, q.latest.spec.name, q.qualifier),
      };
  }
}

/**
 * GetFunction's `Code`: a zip's download location, or an image function's reference (ADR 0028:
 * Lamina talks to no registry, so a tag stays unresolved and ResolvedImageUri is the reference
 * as given; with a digest it is exact).
 */
function codeOf(req: Request, code: FunctionCode): Record<string, unknown> {
  if (code.imageUri === undefined)
    return { RepositoryType: 'S3', Location: codeLocation(req, code.sha256) };
  return { RepositoryType: 'ECR', ImageUri: code.imageUri, ResolvedImageUri: code.imageUri };
}

export function getFunction(deps: FunctionRouteDeps, req: Request, res: Response): void {
  const q = resolveQualified(req, deps.functions, deps.versions, deps.config);
  const code = (q.kind === 'latest' ? q.latest : (q.version ?? q.latest)).code;
  const { tags } = q.latest;
  const reserved = q.latest.spec.reservedConcurrency;
  res.json({
    Configuration: configurationOf(q, deps.config),
    Code: codeOf(req, code),
    ...(Object.keys(tags).length > 0 ? { Tags: tags } : {}),
    ...(reserved === undefined ? {} : { Concurrency: { ReservedConcurrentExecutions: reserved } }),
  });
}

export function getFunctionConfiguration(
  deps: FunctionRouteDeps,
  req: Request,
  res: Response,
): void {
  const q = resolveQualified(req, deps.functions, deps.versions, deps.config);
  res.json(configurationOf(q, deps.config));
}

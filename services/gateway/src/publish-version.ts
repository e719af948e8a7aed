import { randomUUID } from 'node:crypto';

import {
  type AliasRecord,
  type ArnContext,
  assertRevision,
  changedSinceVersion,
  type FunctionRecord,
  type FunctionStore,
  isVersionNumber,
  LaminaError,
  lambdaTimestamp,
  LATEST,
  newVersionRecord,
  functionRefIn,
  type VersionRecord,
  type VersionStore,
  functionNotFound,
} from '@lamina/core';
import type { Request } from 'express';

import type { Clock } from './deps.js';
import { pathParam, queryString } from './resolve-function.js';
import type { CodeFreezer } from './code/code-snapshots.js';
import type { CodeStorageGuard } from './code/code-storage-quota.js';
import { descriptionOf } from './routes/request-fields.js';

export interface PublishDeps {
  readonly functions: Pick<FunctionStore, 'get' | 'update'>;
  readonly versions: Pick<VersionStore, 'publish'>;
  readonly codeFreezer: CodeFreezer;
  readonly clock: Clock;
  /** A new version counts its code again, as AWS counts it (code-storage-quota.ts). */
  readonly codeStorage?: CodeStorageGuard;
}

export interface PublishInput {
  readonly codeSha256?: unknown;
  readonly description?: unknown;
  readonly revisionId?: unknown;
}

/**
 * PublishVersion: checks the RevisionId and CodeSha256 preconditions against `$LATEST`, freezes
 * its code, and stores version N, or returns the newest version when nothing changed since. A new
 * version changes `$LATEST`'s RevisionId too, as on AWS.
 */
export async function publishVersion(
  deps: PublishDeps,
  ctx: ArnContext,
  name: string,
  input: PublishInput,
): Promise<VersionRecord> {
  const latest = deps.functions.get(name);
  if (latest === undefined) throw functionNotFound(ctx, name);
  assertRevision(input.revisionId, latest.revisionId, 'function');
  const sha = input.codeSha256;
  if (sha !== undefined && sha !== null && sha !== latest.code.sha256) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `CodeSHA256 (${typeof sha === 'string' ? sha : JSON.stringify(sha)}) is different from current CodeSHA256 in $LATEST (${latest.code.sha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
  }
  const description = descriptionOf(input.description, undefined);
  const code = await deps.codeFreezer.freeze(latest.code);
  const decision = await deps.versions.publish(name, (last, next) => {
    if (
      last !== undefined &&
      !changedSinceVersion({ spec: latest.spec, codeSha256: code.sha256 }, last)
    ) {
      return { kind: 'existing', record: last };
    }
    deps.codeStorage?.assertRoom(code.size);
    return {
      kind: 'create',
      record: newVersionRecord(latest, {
        version: next,
        code,
        description,
        lastModified: lambdaTimestamp(new Date(deps.clock.now())),
        revisionId: randomUUID(),
      }),
    };
  });
  // A manifest's function is the file's (read-only through the API): its RevisionId stays.
  if (decision.kind === 'create' && latest.source !== 'manifest') {
    await deps.functions.update(name, (current) => ({ ...current, revisionId: randomUUID() }));
  }
  return decision.record;
}

/** What a management call named: `$LATEST`, a published version, or an alias. */
export type Qualified =
  | {
      readonly kind: 'latest';
      readonly latest: FunctionRecord;
      readonly qualifier: string | undefined;
    }
  | {
      readonly kind: 'version';
      readonly latest: FunctionRecord;
      readonly qualifier: string;
      readonly version: VersionRecord;
    }
  | {
      readonly kind: 'alias';
      readonly latest: FunctionRecord;
      readonly qualifier: string;
      readonly alias: AliasRecord;
      /** The alias's primary version; undefined when it points at `$LATEST`. */
      readonly version: VersionRecord | undefined;
    };

/**
 * Resolves `:name` plus the Qualifier parameter of a management call (GetFunction,
 * GetFunctionConfiguration, DeleteFunction) to `$LATEST`, a version or an alias.
 */
export function resolveQualified(
  req: Request,
  functions: Pick<FunctionStore, 'get'>,
  versions: Pick<VersionStore, 'getVersion' | 'getAlias'>,
  ctx: ArnContext,
): Qualified {
  const ref = functionRefIn(ctx, pathParam(req, 'name'), queryString(req, 'Qualifier'));
  const latest = functions.get(ref.name);
  const q = ref.qualifier;
  if (latest === undefined) throw functionNotFound(ctx, ref.name, q);
  if (q === undefined || q === LATEST) return { kind: 'latest', latest, qualifier: q };
  if (isVersionNumber(q)) {
    const version = versions.getVersion(ref.name, q);
    if (version === undefined) throw functionNotFound(ctx, ref.name, q);
    return { kind: 'version', latest, qualifier: q, version };
  }
  const alias = versions.getAlias(ref.name, q);
  if (alias === undefined) throw functionNotFound(ctx, ref.name, q);
  if (alias.functionVersion === LATEST) {
    return { kind: 'alias', latest, qualifier: q, alias, version: undefined };
  }
  const version = versions.getVersion(ref.name, alias.functionVersion);
  if (version === undefined) throw functionNotFound(ctx, ref.name, alias.functionVersion);
  return { kind: 'alias', latest, qualifier: q, alias, version };
}

/**
 * The function of a call that takes an unqualified name (PublishVersion, the alias APIs,
 * UpdateFunctionCode/Configuration): its `$LATEST` record, 404 when missing.
 */
export function resolveUnqualified(
  req: Request,
  functions: Pick<FunctionStore, 'get'>,
  ctx: ArnContext,
): FunctionRecord {
  const ref = functionRefIn(ctx, pathParam(req, 'name'));
  if (ref.qualifier !== undefined) {
    throw new LaminaError(
      'InvalidParameterValueException',
      'This operation takes an unqualified function name or ARN (no version or alias).',
    );
  }
  const latest = functions.get(ref.name);
  if (latest === undefined) throw functionNotFound(ctx, ref.name);
  return latest;
}

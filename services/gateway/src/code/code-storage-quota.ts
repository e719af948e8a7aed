/**
 * The account's code storage quota (Lambda's 75 GB per region): what an account's code takes is
 * AWS's sum over records — the zip of every function's `$LATEST`, of each published version and
 * of every layer version — and a call that would store more than the limit is refused with
 * `CodeStorageExceededException` (400, "Code storage limit exceeded.") before anything is written.
 *
 * Invariants: the sum is the one GetAccountSettings reports as AccountUsage.TotalCodeSize, so
 * deleting functions, versions or layers frees room at once (the disk itself is reclaimed later
 * by the code collector, ADR 0018). The check reads the stores' memory: concurrent uploads may
 * together pass the limit by at most their own sizes (no lock spans gateway replicas).
 */
import { CodeStorageExceededException, type LayerStore, type VersionStore } from '@lamina/core';

import type { FunctionStore } from '@lamina/core';

export const CODE_STORAGE_EXCEEDED_MESSAGE = 'Code storage limit exceeded.';

export interface CodeStorageSources {
  readonly functions: Pick<FunctionStore, 'list'>;
  readonly versions: Pick<VersionStore, 'listVersions'>;
  readonly layers: Pick<LayerStore, 'list'>;
}

/** Bytes of code the account holds, as AWS counts them. */
export function accountCodeSize(s: CodeStorageSources): number {
  let size = 0;
  for (const r of s.functions.list()) {
    size += r.code.size;
    for (const v of s.versions.listVersions(r.spec.name)) size += v.code.size;
  }
  for (const l of s.layers.list()) size += l.size;
  return size;
}

/** The check the routes that store code make. */
export interface CodeStorageGuard {
  /** Throws CodeStorageExceededException when `bytes` more would pass the limit. */
  assertRoom(bytes: number): void;
}

export class CodeStorageQuota implements CodeStorageGuard {
  constructor(
    private readonly sources: CodeStorageSources,
    readonly limitBytes: number,
  ) {}

  assertRoom(bytes: number): void {
    const used = accountCodeSize(this.sources);
    if (used + bytes > this.limitBytes) {
      throw new CodeStorageExceededException(CODE_STORAGE_EXCEEDED_MESSAGE, {
        cause: new Error(
          `${String(used)} bytes stored + ${String(bytes)} > limit ${String(this.limitBytes)}`,
        ),
      });
    }
  }
}

/** A code store whose puts are refused past the quota (every route that stores a zip uses it). */
export function withCodeStorageQuota<S extends { putZip(zip: Buffer): Promise<R> }, R>(
  store: S,
  guard: CodeStorageGuard,
): S {
  return Object.assign(Object.create(store) as S, {
    putZip: (zip: Buffer): Promise<R> => {
      guard.assertRoom(zip.length);
      return store.putZip(zip);
    },
  });
}

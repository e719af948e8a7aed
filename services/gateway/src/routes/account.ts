import { LIMITS, type LayerStore, type VersionStore } from '@lamina/core';
import { Router } from 'express';

import { accountCodeSize } from '../code/code-storage-quota.js';
import type { AppDeps } from '../deps.js';

export type AccountRouteDeps = Pick<
  AppDeps,
  'config' | 'functions' | 'admission' | 'codeStorageLimitBytes'
> & {
  readonly versions: Pick<VersionStore, 'listVersions'>;
  readonly layers: Pick<LayerStore, 'list'>;
};

/**
 * GetAccountSettings. AccountUsage follows creates and deletes at once, as AWS's does:
 * FunctionCount counts functions, TotalCodeSize adds the zipped size of every function's
 * `$LATEST`, of each of its published versions and of every layer version (what the code stores
 * hold on disk is the code collector's business, reclaimed later).
 */
export function accountRoutes(deps: AccountRouteDeps): Router {
  const router = Router();
  router.get('/2016-08-19/account-settings', async (_req, res) => {
    const limit = deps.config.accountConcurrency;
    const reserved = await deps.admission.reservedTotal();
    const all = deps.functions.list();
    const codeSize = accountCodeSize(deps);
    res.json({
      AccountLimit: {
        TotalCodeSize: deps.codeStorageLimitBytes ?? LIMITS.codeStorageBytes,
        CodeSizeUnzipped: LIMITS.unzippedMaxBytes,
        CodeSizeZipped: LIMITS.zipMaxBytes,
        ConcurrentExecutions: limit,
        UnreservedConcurrentExecutions: Math.max(0, limit - reserved),
      },
      AccountUsage: { TotalCodeSize: codeSize, FunctionCount: all.length },
    });
  });
  return router;
}

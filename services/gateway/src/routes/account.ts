import { LIMITS } from '@lamina/core';
import { Router } from 'express';

import type { AppDeps } from '../deps.js';

/** Lambda's regional code storage quota (reference §2 example). */
const TOTAL_CODE_SIZE = 80_530_636_800;

/**
 * GetAccountSettings. AccountUsage.TotalCodeSize is what the code stores hold (each package
 * once, reclaimed ones gone) when `codeUsage` is given.
 */
export function accountRoutes(
  deps: Pick<AppDeps, 'config' | 'functions' | 'admission' | 'codeUsage'>,
): Router {
  const router = Router();
  router.get('/2016-08-19/account-settings', async (_req, res) => {
    const limit = deps.config.accountConcurrency;
    const reserved = await deps.admission.reservedTotal();
    const all = deps.functions.list();
    res.json({
      AccountLimit: {
        TotalCodeSize: TOTAL_CODE_SIZE,
        CodeSizeUnzipped: LIMITS.unzippedMaxBytes,
        CodeSizeZipped: LIMITS.zipMaxBytes,
        ConcurrentExecutions: limit,
        UnreservedConcurrentExecutions: Math.max(0, limit - reserved),
      },
      AccountUsage: {
        TotalCodeSize:
          deps.codeUsage === undefined
            ? all.reduce((sum, r) => sum + r.code.size, 0)
            : await deps.codeUsage.storedBytes(),
        FunctionCount: all.length,
      },
    });
  });
  return router;
}

import { Router } from 'express';

import type { AppDeps } from '../deps.js';

/** Readiness (503 while draining) and the Prometheus scrape endpoint. */
export function healthRoutes(deps: Pick<AppDeps, 'registry'> & { ready: () => boolean }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    const ready = deps.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'draining' });
  });
  router.get('/metrics', async (_req, res) => {
    const text = await deps.registry.metrics();
    res.setHeader('Content-Type', deps.registry.contentType);
    res.end(text);
  });
  return router;
}

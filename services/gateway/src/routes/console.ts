/**
 * The web console's files (issue #22, ADR 0038): GET /console serves the single-page app the
 * gateway's build compiles from `console-ui/` into `dist/console-ui/`, and /console/config.json
 * tells it the region to sign for and whether this gateway checks signatures. The files are
 * public; every API call the page makes is signed in the browser with the key the user types in.
 *
 * Invariants: read-only and static (no server-side session); a gateway built without the UI
 * answers 404 with a clear message, never a 5xx; nothing outside the UI folder is served.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import express, { Router } from 'express';

/** Where `npm run build` puts the console (same depth from src/routes and dist/routes). */
export const CONSOLE_DIR = fileURLToPath(new URL('../console-ui/', import.meta.url));

export interface ConsoleRouteDeps {
  readonly region: string;
  /** Whether API calls must be signed (the login form asks for a key). */
  readonly signed: boolean;
  /** The folder of the built console; default CONSOLE_DIR. */
  readonly dir?: string;
}

export function consoleRoutes(deps: ConsoleRouteDeps): Router {
  const dir = deps.dir ?? CONSOLE_DIR;
  const router = Router();
  const built = existsSync(`${dir}/index.html`);
  router.get('/console/config.json', (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json({ region: deps.region, signed: deps.signed });
  });
  // The page's files are relative to /console/ (express matches /console for both spellings).
  router.get('/console', (req, res, next) => {
    if (req.originalUrl.split('?')[0] === '/console') res.redirect(302, '/console/');
    else next();
  });
  router.use('/console', (req, res, next) => {
    if (!built) {
      res
        .status(404)
        .type('text/plain')
        .send('The console is not built into this gateway (npm run build in services/gateway).\n');
      return;
    }
    res.setHeader(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
    );
    res.setHeader('x-content-type-options', 'nosniff');
    next();
  });
  router.use('/console', express.static(dir, { index: 'index.html', fallthrough: true }));
  return router;
}

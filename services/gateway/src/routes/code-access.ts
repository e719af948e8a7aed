/**
 * Who may download a stored code package (issue #15). With a token secret configured (cluster
 * mode: LAMINA_CODE_TOKEN_SECRET, shared with the operator), `GET /lamina/v1/code/<hex>` needs
 * that package's token, HMAC-SHA256(secret, hex) (core's code-token.ts), either in the
 * `x-lamina-code-token` header (worker pods: the operator gives each pod its own code's token) or
 * as `?token=` (GetFunction's Code.Location, pre-signed for the API caller as Lambda's S3 URL is).
 * Without a secret (local mode) the route stays open, as before.
 *
 * Soundness: the route alone no longer serves code to whoever knows or guesses a hash; a pod
 * holds only its own package's token. A wrong or missing token answers 404 like an unknown hex,
 * so the route is no oracle for which packages exist. Code.Location carries a token, so whoever
 * may call GetFunction may download that function's code; while the management API itself is
 * unauthenticated (SigV4 is not built yet), a pod that can reach the gateway could still call
 * GetFunction: the per-pod isolation is complete only together with API authentication.
 */
import {
  CODE_TOKEN_HEADER,
  CODE_TOKEN_QUERY,
  codeToken,
  isValidCodeToken,
  LaminaError,
} from '@lamina/core';
import type { Express, Request } from 'express';

/** Where createApp keeps the secret for codeLocation (app-wide, set once). */
const SECRET_KEY = 'laminaCodeTokenSecret';

/** Records the secret on the app (undefined: the code route stays open). */
export function useCodeTokenSecret(app: Express, secret: string | undefined): void {
  app.locals[SECRET_KEY] = secret;
}

function secretOf(req: Request): string | undefined {
  const secret: unknown = req.app.locals[SECRET_KEY];
  return typeof secret === 'string' ? secret : undefined;
}

/** `?token=…` for a Code.Location of `hex`, or '' when the route is open. */
export function codeLocationQuery(req: Request, hex: string): string {
  const secret = secretOf(req);
  return secret === undefined ? '' : `?${CODE_TOKEN_QUERY}=${codeToken(secret, hex)}`;
}

/** Throws the route's 404 unless the request may download `hex`. */
export function checkCodeAccess(req: Request, hex: string): void {
  const secret = secretOf(req);
  if (secret === undefined) return;
  const header = req.get(CODE_TOKEN_HEADER);
  const query = req.query[CODE_TOKEN_QUERY];
  const token = header ?? (typeof query === 'string' ? query : undefined);
  if (token === undefined || !isValidCodeToken(secret, hex, token)) {
    throw new LaminaError('ResourceNotFoundException', `Code package not found: ${hex}`);
  }
}

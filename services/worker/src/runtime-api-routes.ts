import { INVALID_STATE, METHOD_NOT_ALLOWED, NOT_FOUND } from './runtime-api-answers.js';
import { SPECIALIZATION_PATH } from './specialization-channel.js';

/**
 * Which Runtime API operation a request is (reference §6), for both of the server's transports
 * (node:http and upgraded connections, `runtime-api-upgrade.ts`): one routing table.
 */
export type RuntimeApiRoute =
  | { readonly kind: 'next' | 'init-error' | 'specialization' }
  | { readonly kind: 'answer'; readonly requestId: string; readonly isError: boolean }
  /** Answered at once with this status and body. */
  | { readonly kind: 'refuse'; readonly status: number; readonly body: Buffer };

const PREFIX = '/2018-06-01/runtime/';
const INVOCATION = 'invocation/';
const NEXT: RuntimeApiRoute = { kind: 'next' };
const INIT_ERROR: RuntimeApiRoute = { kind: 'init-error' };
const SPECIALIZATION: RuntimeApiRoute = { kind: 'specialization' };
const NOT_FOUND_ROUTE: RuntimeApiRoute = { kind: 'refuse', status: 404, body: NOT_FOUND };
const WRONG_METHOD: RuntimeApiRoute = { kind: 'refuse', status: 405, body: METHOD_NOT_ALLOWED };
const NOT_YET: RuntimeApiRoute = { kind: 'refuse', status: 403, body: INVALID_STATE };

/**
 * @param specializing a generic environment's server before its runtime applied the
 *   specialization (ADR 0019): only the specialization request is served then.
 */
export function routeOf(
  method: string | undefined,
  url: string,
  generic: { readonly applied: boolean } | undefined,
): RuntimeApiRoute {
  const path = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : '';
  if (generic !== undefined && (path === SPECIALIZATION_PATH || !generic.applied)) {
    return path === SPECIALIZATION_PATH ? SPECIALIZATION : NOT_YET;
  }
  if (path === 'invocation/next') return method === 'GET' ? NEXT : WRONG_METHOD;
  if (path === 'init/error') return method === 'POST' ? INIT_ERROR : WRONG_METHOD;
  if (!path.startsWith(INVOCATION)) return NOT_FOUND_ROUTE;
  const slash = path.indexOf('/', INVOCATION.length);
  const action = slash < 0 ? '' : path.slice(slash + 1);
  if (action !== 'response' && action !== 'error') return NOT_FOUND_ROUTE;
  if (method !== 'POST') return WRONG_METHOD;
  return {
    kind: 'answer',
    requestId: path.slice(INVOCATION.length, slash),
    isError: action === 'error',
  };
}

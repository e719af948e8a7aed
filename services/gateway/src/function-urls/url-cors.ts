/**
 * CORS for function URLs from the URL's `Cors` settings: preflights (`OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`) are answered here without invoking the function, and the
 * other responses get the allow-origin, expose and credentials headers. With `Cors` set, the
 * function's own `access-control-*` headers are replaced, as Lambda does.
 *
 * Invariant: pure; an origin that `AllowOrigins` does not list gets no CORS headers (the browser
 * then refuses the response), never an error status.
 */
import type { FunctionUrlCors } from '@lamina/core';

type Headers = Record<string, string | string[]>;

function allowedOrigin(cors: FunctionUrlCors, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  const origins = cors.AllowOrigins ?? [];
  if (origins.includes('*')) return cors.AllowCredentials === true ? origin : '*';
  return origins.includes(origin) ? origin : undefined;
}

/** Whether the request is a CORS preflight this URL answers itself. */
export function isPreflight(
  cors: FunctionUrlCors | undefined,
  method: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): cors is FunctionUrlCors {
  return (
    cors !== undefined &&
    method === 'OPTIONS' &&
    typeof headers['origin'] === 'string' &&
    typeof headers['access-control-request-method'] === 'string'
  );
}

/** The preflight's headers (empty when the origin is not allowed). */
export function preflightHeaders(cors: FunctionUrlCors, origin: string | undefined): Headers {
  const allow = allowedOrigin(cors, origin);
  if (allow === undefined) return {};
  const h: Headers = { 'access-control-allow-origin': allow };
  if (allow !== '*') h['vary'] = 'Origin';
  if (cors.AllowMethods !== undefined && cors.AllowMethods.length > 0)
    h['access-control-allow-methods'] = cors.AllowMethods.join(',');
  if (cors.AllowHeaders !== undefined && cors.AllowHeaders.length > 0)
    h['access-control-allow-headers'] = cors.AllowHeaders.join(',');
  if (cors.AllowCredentials === true) h['access-control-allow-credentials'] = 'true';
  if (cors.MaxAge !== undefined) h['access-control-max-age'] = String(cors.MaxAge);
  return h;
}

/** The function's headers with the URL's CORS headers in place of its own. */
export function withCorsHeaders(
  headers: Headers,
  cors: FunctionUrlCors | undefined,
  origin: string | undefined,
): Headers {
  if (cors === undefined) return headers;
  const out: Headers = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('access-control-')) out[name] = value;
  }
  const allow = allowedOrigin(cors, origin);
  if (allow === undefined) return out;
  out['access-control-allow-origin'] = allow;
  if (allow !== '*') out['vary'] = 'Origin';
  if (cors.ExposeHeaders !== undefined && cors.ExposeHeaders.length > 0)
    out['access-control-expose-headers'] = cors.ExposeHeaders.join(',');
  if (cors.AllowCredentials === true) out['access-control-allow-credentials'] = 'true';
  return out;
}

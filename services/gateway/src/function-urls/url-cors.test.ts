import { describe, expect, it } from 'vitest';

import { isPreflight, preflightHeaders, withCorsHeaders } from './url-cors.js';

const cors = {
  AllowOrigins: ['https://app.example'],
  AllowMethods: ['GET', 'POST'],
  AllowHeaders: ['x-custom'],
  ExposeHeaders: ['x-out'],
  MaxAge: 300,
  AllowCredentials: true,
};

describe('function URL CORS', () => {
  it('recognises a preflight only when Cors is set', () => {
    const h = { origin: 'https://app.example', 'access-control-request-method': 'POST' };
    expect(isPreflight(cors, 'OPTIONS', h)).toBe(true);
    expect(isPreflight(undefined, 'OPTIONS', h)).toBe(false);
    expect(isPreflight(cors, 'OPTIONS', { origin: 'x' })).toBe(false);
    expect(isPreflight(cors, 'GET', h)).toBe(false);
  });

  it('answers a preflight from the settings', () => {
    expect(preflightHeaders(cors, 'https://app.example')).toEqual({
      'access-control-allow-origin': 'https://app.example',
      vary: 'Origin',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'x-custom',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '300',
    });
    expect(preflightHeaders(cors, 'https://other.example')).toEqual({});
    expect(preflightHeaders({ AllowOrigins: ['*'] }, 'https://any')).toEqual({
      'access-control-allow-origin': '*',
    });
  });

  it("replaces the function's CORS headers with the URL's", () => {
    const out = withCorsHeaders(
      { 'content-type': 'text/plain', 'access-control-allow-origin': '*' },
      cors,
      'https://app.example',
    );
    expect(out).toEqual({
      'content-type': 'text/plain',
      'access-control-allow-origin': 'https://app.example',
      vary: 'Origin',
      'access-control-expose-headers': 'x-out',
      'access-control-allow-credentials': 'true',
    });
    const untouched = { 'access-control-allow-origin': '*' };
    expect(withCorsHeaders(untouched, undefined, 'https://app.example')).toBe(untouched);
  });
});

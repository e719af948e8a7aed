/**
 * Verifies a SigV4-signed request (issue #18): the Authorization header or a pre-signed query
 * (`X-Amz-Algorithm`, `X-Amz-Credential`, …), the payload hash, the credential scope and the
 * five-minute clock-skew rule, answering with AWS's errors and texts:
 * MissingAuthenticationTokenException (nothing signed), IncompleteSignatureException (a malformed
 * signature), UnrecognizedClientException (unknown access key; a session token that is missing,
 * wrong or not expected), ExpiredTokenException (a temporary key past its expiration),
 * InvalidSignatureException (wrong signature, wrong scope, expired or not yet current).
 *
 * Invariants: pure — a function of the request, the body's hash, the secret lookup and the clock;
 * the signature comparison takes the same time wherever the first difference is; a declared
 * `x-amz-content-sha256` must be the body's hash unless it is UNSIGNED-PAYLOAD; a pre-signed
 * request may sign UNSIGNED-PAYLOAD instead of the body's hash; a temporary key (one with a
 * session token) is accepted only with its own token (`X-Amz-Security-Token`, header or query),
 * compared in constant time, and a long-term key only without one; everything but the body's hash
 * is decided from the headers alone (`beginSigV4`), so a gateway refuses a caller without a key
 * before it reads a byte of the body.
 */
import { timingSafeEqual } from 'node:crypto';

import {
  ExpiredTokenException,
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from './errors.js';
import {
  amzDateOf,
  canonicalRequest,
  type CredentialScope,
  type HeaderValues,
  SIGV4_ALGORITHM,
  signatureOf,
  UNSIGNED_PAYLOAD,
} from './sigv4.js';

/** AWS refuses a signature dated more than this far from its own clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;

export interface VerifyRequest {
  readonly method: string;
  /** Raw path and query as received. */
  readonly url: string;
  /** Lower-case names (node:http's IncomingHttpHeaders). */
  readonly headers: HeaderValues;
  /** Hex sha256 of the body as received (EMPTY_SHA256 without one). */
  readonly bodyHash: string;
}

export interface VerifyContext {
  /** The secret of an access key, or undefined for an unknown key. */
  readonly secretOf: (accessKeyId: string) => string | undefined;
  readonly region: string;
  /** Signing names accepted, e.g. `['lambda']`; the first is the one named in errors. */
  readonly services: readonly string[];
  /** Epoch milliseconds. */
  readonly now: number;
  /** A temporary key's session: its token and expiry (epoch ms); undefined for a long-term key. */
  readonly sessionOf?: (accessKeyId: string) => KeySession | undefined;
}

export interface KeySession {
  readonly sessionToken: string;
  readonly expiresAt?: number;
}

export interface VerifiedCaller {
  readonly accessKeyId: string;
  readonly presigned: boolean;
  /** The headers the signature covers (lower-case): only these are the caller's word. */
  readonly signedHeaders: readonly string[];
}

interface ParsedSignature {
  readonly accessKeyId: string;
  readonly scope: CredentialScope;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly amzDate: string;
  /** Seconds a pre-signed request stays valid; undefined for a header signature. */
  readonly expires: number | undefined;
}

const first = (v: string | readonly string[] | undefined): string | undefined =>
  typeof v === 'string' ? v : v?.[0];

function queryParams(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    try {
      params.set(decodeURIComponent(part.slice(0, eq)), decodeURIComponent(part.slice(eq + 1)));
    } catch {
      // A malformed pair is simply not a signing parameter.
    }
  }
  return params;
}

function parseCredential(credential: string): [string, CredentialScope] | undefined {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId = '', date = '', region = '', service = ''] = parts;
  return [accessKeyId, { date, region, service }];
}

function incomplete(detail: string, header: string): Error {
  return new IncompleteSignatureException(`${detail} Authorization=${header}`);
}

function fromHeader(header: string, headers: HeaderValues): ParsedSignature {
  const algorithm = header.split(' ', 1)[0];
  if (algorithm !== SIGV4_ALGORITHM) {
    throw incomplete(`Unsupported authorization type: '${algorithm ?? ''}'.`, header);
  }
  const fields = new Map<string, string>();
  for (const item of header.slice(SIGV4_ALGORITHM.length).split(',')) {
    const eq = item.indexOf('=');
    if (eq > 0) fields.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  const missing: string[] = [];
  for (const f of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!fields.has(f)) missing.push(`Authorization header requires '${f}' parameter.`);
  }
  const amzDate = first(headers['x-amz-date']);
  if (amzDate === undefined) {
    missing.push(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  const credential = parseCredential(fields.get('Credential') ?? '');
  if (missing.length > 0 || credential === undefined || amzDate === undefined) {
    throw incomplete(
      missing.join(' ') || 'Authorization header has a malformed Credential.',
      header,
    );
  }
  return {
    accessKeyId: credential[0],
    scope: credential[1],
    signedHeaders: (fields.get('SignedHeaders') ?? '').split(';'),
    signature: fields.get('Signature') ?? '',
    amzDate,
    expires: undefined,
  };
}

function fromQuery(params: Map<string, string>): ParsedSignature {
  const get = (k: string): string => {
    const v = params.get(k);
    if (v === undefined)
      throw new IncompleteSignatureException(`AWS query-string parameters must include '${k}'.`);
    return v;
  };
  if (get('X-Amz-Algorithm') !== SIGV4_ALGORITHM) {
    throw new IncompleteSignatureException(
      `Unsupported X-Amz-Algorithm: '${get('X-Amz-Algorithm')}'.`,
    );
  }
  const credential = parseCredential(get('X-Amz-Credential'));
  if (credential === undefined) {
    throw new IncompleteSignatureException('X-Amz-Credential is malformed.');
  }
  const expires = Number(params.get('X-Amz-Expires') ?? '900');
  return {
    accessKeyId: credential[0],
    scope: credential[1],
    signedHeaders: get('X-Amz-SignedHeaders').split(';'),
    signature: get('X-Amz-Signature'),
    amzDate: get('X-Amz-Date'),
    expires: Number.isInteger(expires) ? Math.min(expires, MAX_PRESIGNED_SECONDS) : 900,
  };
}

/** Epoch ms of `yyyymmddThhmmssZ`, NaN when malformed. */
function timeOf(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return NaN;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(y, mo - 1, d, h, mi, se);
}

function checkTime(p: ParsedSignature, now: number): void {
  const t = timeOf(p.amzDate);
  const nowDate = amzDateOf(now);
  if (Number.isNaN(t)) {
    throw new IncompleteSignatureException(
      `Date must be in ISO-8601 'basic format'. Got '${p.amzDate}'.`,
    );
  }
  if (p.expires !== undefined) {
    if (now > t + p.expires * 1000) {
      throw new InvalidSignatureException(
        `Signature expired: ${amzDateOf(t + p.expires * 1000)} is now earlier than ${nowDate}.`,
      );
    }
  } else if (t < now - MAX_CLOCK_SKEW_MS) {
    throw new InvalidSignatureException(
      `Signature expired: ${p.amzDate} is now earlier than ${amzDateOf(now - MAX_CLOCK_SKEW_MS)} (${nowDate} - 5 min.)`,
    );
  }
  if (t > now + MAX_CLOCK_SKEW_MS) {
    throw new InvalidSignatureException(
      `Signature not yet current: ${p.amzDate} is still later than ${amzDateOf(now + MAX_CLOCK_SKEW_MS)} (${nowDate} + 5 min.)`,
    );
  }
}

function checkScope(p: ParsedSignature, ctx: VerifyContext): void {
  const date = p.amzDate.slice(0, 8);
  if (p.scope.date !== date) {
    throw new InvalidSignatureException(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${p.scope.date}' != '${date}', from '${p.amzDate}'.`,
    );
  }
  if (p.scope.region !== ctx.region) {
    throw new InvalidSignatureException(
      `Credential should be scoped to a valid region, not '${p.scope.region}'. `,
    );
  }
  if (!ctx.services.includes(p.scope.service)) {
    throw new InvalidSignatureException(
      `Credential should be scoped to correct service: '${ctx.services[0] ?? ''}'. `,
    );
  }
  if (!p.signedHeaders.includes('host')) {
    throw new InvalidSignatureException(
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface PendingSignature {
  /** The access key that signed (known: the lookup passed). */
  readonly accessKeyId: string;
  readonly presigned: boolean;
  /**
   * Whether the signature itself is still unchecked: it covers the body's hash and no
   * `x-amz-content-sha256` declared it (botocore and the AWS CLI send none to Lambda).
   */
  readonly needsBody: boolean;
  /** Checks the rest with the body's hash (hex); throws AWS's error. */
  complete(bodyHash: string): VerifiedCaller;
}

/**
 * Everything the headers (or the pre-signed query) decide, before the body is read: unsigned,
 * malformed, unknown key, session token, time, scope — and the signature itself when the request
 * declares its payload hash (`x-amz-content-sha256`, which the SDK v3 sends). `complete` then
 * checks the body's hash against the declared one (or, with none declared, the signature). A
 * caller reads the body only after this passed, and uses it only after `complete` passed.
 */
export function beginSigV4(
  req: Omit<VerifyRequest, 'bodyHash'>,
  ctx: VerifyContext,
): PendingSignature {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const header = first(req.headers['authorization']);
  const params = header === undefined ? queryParams(query) : new Map<string, string>();
  if (header === undefined && !params.has('X-Amz-Algorithm')) {
    throw new MissingAuthenticationTokenException('Missing Authentication Token');
  }
  const p = header === undefined ? fromQuery(params) : fromHeader(header, req.headers);
  const secret = ctx.secretOf(p.accessKeyId);
  if (secret === undefined) throw new UnrecognizedClientException(INVALID_TOKEN);
  const presented =
    header === undefined
      ? params.get('X-Amz-Security-Token')
      : first(req.headers['x-amz-security-token']);
  const session = ctx.sessionOf?.(p.accessKeyId);
  if (
    session === undefined
      ? presented !== undefined
      : presented === undefined || !sameHex(presented, session.sessionToken)
  ) {
    throw new UnrecognizedClientException(INVALID_TOKEN);
  }
  if (session?.expiresAt !== undefined && ctx.now >= session.expiresAt) {
    throw new ExpiredTokenException('The security token included in the request is expired');
  }
  checkTime(p, ctx.now);
  checkScope(p, ctx);
  const signs = (payloadHash: string): boolean =>
    sameHex(
      signatureOf(
        secret,
        p.scope,
        p.amzDate,
        canonicalRequest({
          method: req.method,
          path,
          query,
          headers: req.headers,
          signedHeaders: p.signedHeaders,
          payloadHash,
        }),
      ),
      p.signature,
    );
  const caller: VerifiedCaller = {
    accessKeyId: p.accessKeyId,
    presigned: p.expires !== undefined,
    signedHeaders: p.signedHeaders,
  };
  const declared = first(req.headers['x-amz-content-sha256']);
  if (declared !== undefined) {
    if (!signs(declared)) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
    return {
      ...caller,
      needsBody: false,
      complete: (bodyHash) => {
        if (declared !== UNSIGNED_PAYLOAD && declared !== bodyHash) {
          throw new InvalidSignatureException(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
          );
        }
        return caller;
      },
    };
  }
  return {
    ...caller,
    needsBody: true,
    complete: (bodyHash) => {
      const candidates = p.expires === undefined ? [bodyHash] : [bodyHash, UNSIGNED_PAYLOAD];
      if (!candidates.some(signs)) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
      return caller;
    },
  };
}

/** Who signed `req`; throws AWS's error when it is unsigned, unknown, wrong or out of time. */
export function verifySigV4(req: VerifyRequest, ctx: VerifyContext): VerifiedCaller {
  return beginSigV4(req, ctx).complete(req.bodyHash);
}

/**
 * AWS Signature Version 4 (issue #18): the canonical request, the signing key and the signature,
 * used by both ends — `signRequest` for Lamina's own services (service-kit's GatewayClient) and
 * `verifySigV4` (sigv4-verify.ts) for the gateway. One implementation, so the two can never
 * disagree on a detail.
 *
 * Invariants: pure (node:crypto only); the path is the raw path as sent on the wire (already
 * percent-encoded once) and is encoded a second time segment by segment, as AWS does for every
 * service but S3; query keys and values are decoded and re-encoded with AWS's escaping, sorted by
 * key then value, without `X-Amz-Signature`; header values are trimmed and inner whitespace runs
 * folded to one space. S3 (`s3: true`) signs the path as sent instead, as AWS specifies for it.
 */
import { createHash, createHmac } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** sha256 of the empty string: the payload hash of a request without a body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type HeaderValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What is signed: a request as it travels (raw path and query, lower-case header names). */
export interface CanonicalInput {
  readonly method: string;
  /** Raw (percent-encoded) path, no query. */
  readonly path: string;
  /** Raw query string without `?` (may be empty). */
  readonly query: string;
  readonly headers: HeaderValues;
  /** Lower-case header names that are signed. */
  readonly signedHeaders: readonly string[];
  /** Hex sha256 of the body, or UNSIGNED-PAYLOAD. */
  readonly payloadHash: string;
  /**
   * S3's rule: the path is signed as sent (each key segment encoded once, never normalised),
   * where every other service encodes it a second time and resolves `.`/`..`.
   */
  readonly s3?: boolean;
}

export interface CredentialScope {
  /** yyyymmdd */
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

const hexEncode = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

/** AWS's URI escaping: encodeURIComponent plus `!'()*`; only `A-Za-z0-9-_.~` stay as they are. */
export function awsEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, hexEncode);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The path with `.`/`..`/empty segments resolved, each segment escaped (a second time). */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.map(awsEscape).join('/')}${trailing}`;
}

/** Sorted `key=value` pairs of a raw query, re-encoded, without the signature itself. */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (key.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([awsEscape(key), awsEscape(safeDecode(eq < 0 ? '' : part.slice(eq + 1)))]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak === bk ? compare(av, bv) : compare(ak, bk)));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function headerValue(headers: HeaderValues, name: string): string {
  const v = headers[name];
  const joined = typeof v === 'string' ? v : v === undefined ? '' : v.join(',');
  return joined
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

export function canonicalRequest(c: CanonicalInput): string {
  const names = [...c.signedHeaders].sort();
  return [
    c.method.toUpperCase(),
    c.s3 === true ? c.path : canonicalPath(c.path),
    canonicalQuery(c.query),
    names.map((n) => `${n}:${headerValue(c.headers, n)}`).join('\n') + '\n',
    names.join(';'),
    c.payloadHash,
  ].join('\n');
}

export const sha256Hex = (data: string | Buffer): string =>
  createHash('sha256').update(data).digest('hex');

const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

export const scopeString = (s: CredentialScope): string =>
  `${s.date}/${s.region}/${s.service}/aws4_request`;

/** The hex signature of a canonical request signed at `amzDate` (yyyymmddThhmmssZ). */
export function signatureOf(
  secretAccessKey: string,
  scope: CredentialScope,
  amzDate: string,
  canonical: string,
): string {
  const stringToSign = [SIGV4_ALGORITHM, amzDate, scopeString(scope), sha256Hex(canonical)].join(
    '\n',
  );
  let key = hmac(`AWS4${secretAccessKey}`, scope.date);
  for (const part of [scope.region, scope.service, 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** `yyyymmddThhmmssZ` of an epoch-milliseconds time. */
export const amzDateOf = (epochMs: number): string =>
  new Date(epochMs)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

export interface SignOptions {
  readonly method: string;
  /** Raw path plus optional `?query`. */
  readonly url: string;
  /** Lower-case names; `host` is required. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly service: string;
  readonly now: number;
  /** Sign for S3: the path as sent (see CanonicalInput.s3). */
  readonly s3?: boolean;
  /** Temporary credentials: sent and signed as `x-amz-security-token`, as the SDKs do. */
  readonly sessionToken?: string;
  /**
   * false: no `x-amz-content-sha256` header, as botocore and the AWS CLI sign Lambda calls (the
   * body's hash is still signed). Default true, as the SDK v3 does.
   */
  readonly declarePayloadHash?: boolean;
}

/**
 * The headers to add so a request is signed (Authorization, X-Amz-Date, X-Amz-Content-Sha256):
 * every given header is signed.
 */
export function signRequest(o: SignOptions): Record<string, string> {
  const amzDate = amzDateOf(o.now);
  const payloadHash = sha256Hex(o.body);
  const token = o.sessionToken === undefined ? {} : { 'x-amz-security-token': o.sessionToken };
  const declared = o.declarePayloadHash === false ? {} : { 'x-amz-content-sha256': payloadHash };
  const headers = {
    ...o.headers,
    'x-amz-date': amzDate,
    ...declared,
    ...token,
  };
  const q = o.url.indexOf('?');
  const signedHeaders = Object.keys(headers).sort();
  const scope = { date: amzDate.slice(0, 8), region: o.region, service: o.service };
  const canonical = canonicalRequest({
    method: o.method,
    path: q < 0 ? o.url : o.url.slice(0, q),
    query: q < 0 ? '' : o.url.slice(q + 1),
    headers,
    signedHeaders,
    payloadHash,
    ...(o.s3 === true ? { s3: true } : {}),
  });
  const signature = signatureOf(o.secretAccessKey, scope, amzDate, canonical);
  return {
    'x-amz-date': amzDate,
    ...declared,
    ...token,
    authorization: `${SIGV4_ALGORITHM} Credential=${o.accessKeyId}/${scopeString(scope)}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  };
}

/**
 * A function's result as the function URL's HTTP response (payload format 2.0): a structured
 * answer (`statusCode`, `headers`, `cookies` → `Set-Cookie`, `body`, `isBase64Encoded`), or any
 * other JSON inferred as Lambda does — 200, `application/json`, the JSON as the body (a bare
 * string's value as the body).
 *
 * Invariant: pure; a payload that is not JSON, or a structured answer with an invalid status,
 * headers, cookies or body, maps to `undefined` (the caller answers 502).
 */
export interface UrlResponse {
  readonly statusCode: number;
  /** Header name → value(s); `set-cookie` may repeat. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
}

const JSON_TYPE = 'application/json';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function headerValues(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(v)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
    else if (typeof value === 'number' || typeof value === 'boolean')
      out[name.toLowerCase()] = String(value);
    else return undefined;
  }
  return out;
}

function structured(v: Record<string, unknown>): UrlResponse | undefined {
  const status = v['statusCode'];
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return undefined;
  }
  const headers: Record<string, string | string[]> | undefined = headerValues(v['headers']);
  if (headers === undefined) return undefined;
  const cookies = v['cookies'];
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies) || !cookies.every((c) => typeof c === 'string')) return undefined;
    if (cookies.length > 0) headers['set-cookie'] = cookies;
  }
  const body = v['body'];
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  const text = body ?? '';
  const bytes = v['isBase64Encoded'] === true ? Buffer.from(text, 'base64') : Buffer.from(text);
  headers['content-type'] ??= JSON_TYPE;
  return { statusCode: status, headers, body: bytes };
}

export function toUrlResponse(payload: Buffer): UrlResponse | undefined {
  let value: unknown;
  try {
    value = payload.length === 0 ? null : JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (isObject(value) && 'statusCode' in value) return structured(value);
  const body =
    typeof value === 'string'
      ? Buffer.from(value)
      : payload.length === 0
        ? Buffer.alloc(0)
        : payload;
  return { statusCode: 200, headers: { 'content-type': JSON_TYPE }, body };
}

/**
 * An HTTP request to a function URL as Lambda's payload format 2.0 event: `rawPath`,
 * `rawQueryString`, `queryStringParameters` (repeats comma-joined), `headers` (lower-cased,
 * repeats comma-joined, `cookie` moved to `cookies`), `requestContext.http`, and the body, base64
 * with `isBase64Encoded` unless its content type is text.
 *
 * Invariant: pure — the request's parts and the clock's reading in, the event out; absent parts
 * (no query, no cookies, no body) are absent keys, as Lambda sends them.
 */
export interface UrlRequest {
  readonly method: string;
  /** The request target as received: path and query. */
  readonly url: string;
  /** node:http's rawHeaders: name, value, name, value … */
  readonly rawHeaders: readonly string[];
  readonly httpVersion: string;
  readonly sourceIp: string;
  readonly body: Buffer;
}

export interface UrlEventContext {
  readonly urlId: string;
  readonly accountId: string;
  /** The host the URL is known by (`<id>.lambda-url.<region>.<domain>` or `127.0.0.1:port`). */
  readonly domainName: string;
  readonly requestId: string;
  readonly nowMs: number;
}

const TEXT_TYPE =
  /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|yaml|graphql)\b|[^;]*[+/](json|xml)\b)/i;

/** Whether a body of this content type travels as text (else base64). */
export function isTextContentType(contentType: string | undefined): boolean {
  return contentType === undefined || TEXT_TYPE.test(contentType.trim());
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/** `a=1&a=2&b` → `{ a: '1,2', b: '' }`. */
export function queryParameters(raw: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    params[key] = key in params ? `${params[key] ?? ''},${value}` : value;
  }
  return params;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** `12/Mar/2020:19:03:58 +0000`. */
export function requestTime(ms: number): string {
  const d = new Date(ms);
  const month = MONTHS[d.getUTCMonth()] ?? 'Jan';
  return `${pad(d.getUTCDate())}/${month}/${String(d.getUTCFullYear())}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function headersOf(raw: readonly string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === 'cookie') {
      for (const c of value.split(';')) if (c.trim() !== '') cookies.push(c.trim());
    } else {
      headers[name] = name in headers ? `${headers[name] ?? ''},${value}` : value;
    }
  }
  return { headers, cookies };
}

export function toUrlEvent(req: UrlRequest, ctx: UrlEventContext): Record<string, unknown> {
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const rawQueryString = q < 0 ? '' : req.url.slice(q + 1);
  const { headers, cookies } = headersOf(req.rawHeaders);
  headers['x-forwarded-for'] ??= req.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  const method = req.method.toUpperCase();
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length === 0 ? {} : { cookies }),
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters: queryParameters(rawQueryString) }),
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.urlId,
      domainName: ctx.domainName,
      domainPrefix: ctx.urlId,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: ctx.requestId,
      routeKey: '$default',
      stage: '$default',
      time: requestTime(ctx.nowMs),
      timeEpoch: ctx.nowMs,
    },
    isBase64Encoded: false,
  };
  if (req.body.length > 0) {
    const text = isTextContentType(headers['content-type']);
    event['body'] = text ? req.body.toString('utf8') : req.body.toString('base64');
    event['isBase64Encoded'] = !text;
  }
  return event;
}

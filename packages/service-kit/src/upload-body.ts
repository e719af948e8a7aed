/**
 * Decoding a code upload's JSON body (CreateFunction, UpdateFunctionCode, PublishLayerVersion):
 * JSON.parse, then the base64 `ZipFile` at a known path checked and decoded. On a 12 MB body
 * that is a third of a second of CPU, so the gateway runs it in its upload worker thread
 * (services/gateway/src/code/unzip-worker.ts) and gets the parsed body back with the zip as
 * bytes. Re-exported by the `@lamina/service-kit/unpack-zip` subpath, which that worker loads
 * alone: only Node.js built-ins here.
 *
 * Invariants: a body that is not a JSON object or array is `bad-json` with JSON.parse's message;
 * a ZipFile that is not a string, or not base64, is left where it is, as it came (the route
 * refuses it with its own words); the zip is taken out of the returned value (`zip`), never
 * left twice.
 */

const ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
  ALPHABET[c.charCodeAt(0)] = 1;

/**
 * `/^[A-Za-z0-9+/]*={0,2}$/` as a loop: on a 12 MB ZipFile the regex takes about three times as
 * long (bench/hostile-zip).
 */
export function isBase64(s: string): boolean {
  let end = s.length;
  while (end > 0 && s.length - end < 2 && s.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || ALPHABET[c] !== 1) return false;
  }
  return true;
}

export type DecodedBody =
  | { readonly kind: 'ok'; readonly value: unknown; readonly zip?: Uint8Array<ArrayBuffer> }
  | { readonly kind: 'bad-json'; readonly message: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses `body` as JSON and takes the base64 zip at `zipPath` out as bytes. */
export function decodeUploadBody(body: Uint8Array, zipPath: readonly string[]): DecodedBody {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const first = /^[\s\uFEFF]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') {
    return {
      kind: 'bad-json',
      message: `Unexpected token ${first ?? 'end'} in JSON at position 0`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'bad-json', message: (err as Error).message };
  }
  let holder: unknown = value;
  for (const key of zipPath.slice(0, -1)) holder = isObject(holder) ? holder[key] : undefined;
  const last = zipPath[zipPath.length - 1];
  if (!isObject(holder) || last === undefined) return { kind: 'ok', value };
  const zip = holder[last];
  if (typeof zip !== 'string' || !isBase64(zip)) return { kind: 'ok', value };
  const bytes = Buffer.from(zip, 'base64');
  Reflect.deleteProperty(holder, last);
  // A small Buffer sits in Node's shared pool: copy it, so transferring it detaches nothing else.
  const own = bytes.byteLength === bytes.buffer.byteLength ? bytes : Buffer.from(bytes);
  return { kind: 'ok', value, zip: new Uint8Array(own.buffer, own.byteOffset, own.byteLength) };
}

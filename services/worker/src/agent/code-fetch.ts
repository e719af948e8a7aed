/**
 * Code delivery over HTTP (issue #15): a worker pod downloads its function's zip by content hash
 * from the gateway's code route, checks the SHA-256, and unpacks it into its own volume, so no
 * shared (ReadWriteMany) code volume is needed and a pod can fetch only the code its token names.
 *
 * Invariants:
 * - Code is used only after its SHA-256 matched the one the pod was configured with.
 * - `<cacheDir>/<hex>` appears whole or not at all: unpacked into a private folder beside it,
 *   then renamed. A folder already there (a restarted container on the same emptyDir) is used.
 * - The download is bounded (Lambda's zip limit) and times out; the unpacking keeps Lambda's
 *   unzipped-size limit and refuses unsafe archives (unpack-zip.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import path from 'node:path';

import { CODE_PATH, CODE_TOKEN_HEADER, LIMITS } from '@lamina/core';

import { unpack, type UnzipLimits } from '@lamina/service-kit/unpack-zip';

export interface CodeFetchOptions {
  /** Base URL of the code route's server, e.g. `http://lamina-gateway.lamina-system.svc`. */
  readonly baseUrl: string;
  readonly sha256Hex: string;
  /** Sent as `x-lamina-code-token`; absent: no header (a code route without tokens). */
  readonly token: string | undefined;
  /** The pod's own writable folder; the code ends up in `<cacheDir>/<hex>`. */
  readonly cacheDir: string;
  readonly timeoutMs?: number;
  readonly maxZipBytes?: number;
  readonly limits?: UnzipLimits;
}

/** Why the code could not be put in place (the reason goes to /readyz and the log). */
export class CodeFetchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CodeFetchError';
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * One GET on a fresh connection (no keep-alive): behind a Service each try may reach another
 * gateway replica, so a package held by only one of them is still found by retrying.
 */
function download(o: CodeFetchOptions, url: string): Promise<Buffer> {
  const maxBytes = o.maxZipBytes ?? LIMITS.zipMaxBytes;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const fail = (message: string, cause?: unknown): void => {
      reject(new CodeFetchError(`GET ${url}${message}`, cause === undefined ? {} : { cause }));
    };
    const req = get(
      url,
      {
        agent: false,
        headers: o.token === undefined ? {} : { [CODE_TOKEN_HEADER]: o.token },
        timeout: timeoutMs,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        if (status === 200 && Number(res.headers['content-length'] ?? 0) > maxBytes) {
          res.destroy();
          fail(`: the zip is larger than ${maxBytes} bytes`);
          return;
        }
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy();
            fail(`: the zip is larger than ${maxBytes} bytes`);
            return;
          }
          chunks.push(chunk);
        });
        res.once('error', (err) => {
          fail(` failed: ${err.message}`, err);
        });
        res.once('end', () => {
          const body = Buffer.concat(chunks, size);
          if (status === 200) {
            resolve(body);
            return;
          }
          const text = body.toString('utf8', 0, Math.min(body.length, 200));
          fail(` answered ${status}${text === '' ? '' : `: ${text}`}`);
        });
      },
    );
    req.once('timeout', () => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    req.once('error', (err) => {
      fail(` failed: ${err.message}`, err);
    });
  });
}

/**
 * Makes sure the code of `sha256Hex` is unpacked at `<cacheDir>/<hex>` and returns that folder.
 * Throws CodeFetchError with the reason when it cannot (network, status, hash, archive).
 */
export async function fetchCode(o: CodeFetchOptions): Promise<string> {
  const dir = path.join(o.cacheDir, o.sha256Hex);
  if (await isDir(dir)) return dir;
  const url = `${o.baseUrl.replace(/\/+$/, '')}${CODE_PATH}/${o.sha256Hex}`;
  const zip = await download(o, url);
  const actual = createHash('sha256').update(zip).digest('hex');
  if (actual !== o.sha256Hex) {
    throw new CodeFetchError(
      `GET ${url}: the zip's SHA-256 is ${actual}, not ${o.sha256Hex}; not used`,
    );
  }
  await mkdir(o.cacheDir, { recursive: true });
  const tmp = path.join(o.cacheDir, `.incoming-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { mode: 0o755 });
  try {
    const outcome = await unpack(zip, tmp, {
      maxUnzippedBytes: o.limits?.maxUnzippedBytes ?? LIMITS.unzippedMaxBytes,
      maxEntries: o.limits?.maxEntries ?? LIMITS.zipMaxEntries,
    });
    switch (outcome.kind) {
      case 'ok':
        break;
      case 'invalid':
        throw new CodeFetchError(`the code package cannot be unpacked: ${outcome.reason}`);
      case 'too-big':
        throw new CodeFetchError(`the code package unpacks to more than ${outcome.limit} bytes`);
      case 'too-many-entries':
        throw new CodeFetchError(`the code package has more than ${outcome.limit} entries`);
      case 'io':
        throw new CodeFetchError(`unpacking into ${o.cacheDir} failed: ${outcome.message}`);
    }
    await rename(tmp, dir);
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

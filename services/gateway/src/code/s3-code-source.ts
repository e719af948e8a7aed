/**
 * Code from S3 (issue #16): the zip of `Code.S3Bucket/S3Key/S3ObjectVersion` (CreateFunction,
 * UpdateFunctionCode) and `Content.S3*` (PublishLayerVersion), read with one SigV4-signed GET
 * from the S3-compatible endpoint in the gateway's configuration (AWS S3, SeaweedFS, …).
 *
 * Why not the AWS SDK: one signed GET is all Lambda does with S3 here, and core's SigV4 code
 * (sigv4.ts, S3's path rule included) already signs Lamina's own calls.
 *
 * Invariants:
 * - S3's own error is relayed as Lambda relays it: InvalidParameterValueException
 *   "Error occurred while GetObject. S3 Error Code: <Code>. S3 Error Message: <Message>", with
 *   S3's code and message as the store sent them (AWS's texts when the store sent none).
 * - The object never sits in memory whole: the body is spooled to a file in `spoolDir` while it
 *   is hashed, and the code store unpacks from that file (SpooledZip, which the store consumes).
 *   At most `maxBytes` are written (Lambda's unzipped limit: an S3 zip may be as big as its
 *   contents may be): a larger Content-Length is refused before the body is read, and a body
 *   that runs past it is cut off. A refused or failed read leaves no file behind.
 * - An unreachable or failing store (network error, 5xx, timeout) is the installation's
 *   problem, not the caller's: ServiceException, naming the endpoint, never the credentials.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

import { awsEscape, LaminaError, signRequest, type SpooledZip } from '@lamina/core';

import { unzippedTooBigMessage } from './safe-unzip.js';

/** Where a zip lives in S3. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
  readonly version?: string;
}

/** What the code routes need: one object, at most `maxBytes` of it, as bytes or spooled. */
export interface S3CodeSource {
  getZip(location: S3Location, maxBytes: number): Promise<Buffer | SpooledZip>;
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3FetcherOptions {
  /** `http(s)://host[:port]`, no path. */
  readonly endpoint: string;
  readonly region: string;
  /** `endpoint/bucket/key` (true) or `bucket.endpoint/key` (false, AWS's virtual-hosted style). */
  readonly forcePathStyle: boolean;
  /** Absent: anonymous (unsigned) requests, for public buckets. */
  readonly credentials?: S3Credentials;
  /** Epoch milliseconds, for the signature's date (deps.ts's Clock; not imported: no cycle). */
  readonly clock: { now(): number };
  /** The whole GET, body included; default 5 minutes. */
  readonly timeoutMs?: number;
  /** Injectable for tests; default the global fetch. */
  readonly fetch?: typeof fetch;
  /** Where objects are spooled while read; default the OS temp folder. */
  readonly spoolDir?: string;
}

/** AWS's texts for the codes a GET of a missing object gives, for a store that sends none. */
const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  NoSuchKey: 'The specified key does not exist.',
  NoSuchBucket: 'The specified bucket does not exist',
  NoSuchVersion: 'The specified version does not exist.',
  AccessDenied: 'Access Denied',
  InvalidArgument: 'Invalid version id specified',
};

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'InvalidArgument',
  403: 'AccessDenied',
  404: 'NoSuchKey',
};

const xmlText = (xml: string, tag: string): string | undefined => {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
};

/** Lambda's answer to an S3 error (a 4xx from the store). */
export function getObjectError(code: string, message: string | undefined): LaminaError {
  return new LaminaError(
    'InvalidParameterValueException',
    `Error occurred while GetObject. S3 Error Code: ${code}. S3 Error Message: ${
      message ?? DEFAULT_MESSAGES[code] ?? code
    }`,
  );
}

const tooBig = (maxBytes: number): LaminaError =>
  new LaminaError('InvalidParameterValueException', unzippedTooBigMessage(maxBytes));

/** Reads objects from one S3-compatible endpoint. */
export class S3Fetcher implements S3CodeSource {
  private readonly endpoint: URL;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly o: S3FetcherOptions) {
    this.endpoint = new URL(o.endpoint);
    this.fetch = o.fetch ?? fetch;
    this.timeoutMs = o.timeoutMs ?? 300_000;
  }

  /** The object's URL: the key encoded once per segment (its `/` kept), as S3 signs it. */
  urlOf(loc: S3Location): URL {
    const key = loc.key.split('/').map(awsEscape).join('/');
    const base = this.endpoint;
    const path = this.o.forcePathStyle ? `/${awsEscape(loc.bucket)}/${key}` : `/${key}`;
    const host = this.o.forcePathStyle ? base.host : `${loc.bucket}.${base.host}`;
    const query = loc.version === undefined ? '' : `?versionId=${awsEscape(loc.version)}`;
    return new URL(`${base.protocol}//${host}${path}${query}`);
  }

  async getZip(loc: S3Location, maxBytes: number): Promise<SpooledZip> {
    const url = this.urlOf(loc);
    const headers: Record<string, string> = { host: url.host };
    const creds = this.o.credentials;
    if (creds !== undefined) {
      if (creds.sessionToken !== undefined) headers['x-amz-security-token'] = creds.sessionToken;
      Object.assign(
        headers,
        signRequest({
          method: 'GET',
          url: `${url.pathname}${url.search}`,
          headers,
          body: '',
          accessKeyId: creds.accessKeyId,
          secretAccessKey: creds.secretAccessKey,
          region: this.o.region,
          service: 's3',
          now: this.o.clock.now(),
          s3: true,
        }),
      );
    }
    delete headers['host'];
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetch(url, { method: 'GET', headers, signal, redirect: 'manual' });
    } catch (err) {
      throw this.unreachable(err);
    }
    if (res.status >= 300) throw await this.failure(res);
    return this.readBody(res, maxBytes);
  }

  private async readBody(res: Response, maxBytes: number): Promise<SpooledZip> {
    const announced = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(announced) && announced > maxBytes) {
      await res.body?.cancel();
      throw tooBig(maxBytes);
    }
    const dir = this.o.spoolDir ?? tmpdir();
    await mkdir(dir, { recursive: true });
    const path = join(dir, `.tmp-s3-${randomUUID()}.zip`);
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(tooBig(maxBytes));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      const body = res.body ?? new Blob([]).stream();
      await pipeline(
        Readable.fromWeb(body as WebReadableStream<Uint8Array>),
        counter,
        createWriteStream(path, { flags: 'wx', mode: 0o600 }),
      );
      if (Number.isFinite(announced) && size !== announced) {
        throw new LaminaError('ServiceException', 'The S3 object was shorter than announced.');
      }
    } catch (err) {
      await rm(path, { force: true });
      if (err instanceof LaminaError) throw err;
      throw this.unreachable(err);
    }
    return { path, sha256Hex: hash.digest('hex'), size };
  }

  /** A 4xx is the caller's (Lambda relays S3's code and message); anything else is ours. */
  private async failure(res: Response): Promise<LaminaError> {
    const text = await res.text().catch(() => '');
    const code = xmlText(text, 'Code') ?? STATUS_CODES[res.status];
    if (res.status >= 400 && res.status < 500 && code !== undefined) {
      return getObjectError(code, xmlText(text, 'Message'));
    }
    if (res.status >= 300 && res.status < 400) {
      // AWS: a bucket in another region answers PermanentRedirect (301).
      return getObjectError(code ?? 'PermanentRedirect', xmlText(text, 'Message'));
    }
    return new LaminaError(
      'ServiceException',
      `The S3 endpoint ${this.endpoint.origin} answered ${String(res.status)}${
        code === undefined ? '' : ` (${code})`
      } to GetObject.`,
    );
  }

  private unreachable(err: unknown): LaminaError {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return new LaminaError(
      'ServiceException',
      timedOut
        ? `GetObject from the S3 endpoint ${this.endpoint.origin} did not finish within ${String(this.timeoutMs)} ms.`
        : `The S3 endpoint ${this.endpoint.origin} could not be reached for GetObject.`,
      { cause: err },
    );
  }
}

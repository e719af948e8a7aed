/**
 * A streamed HTTP response (`application/vnd.awslambda.http-integration-response`): a JSON
 * prelude (`statusCode`, `headers`, `cookies`), eight NUL bytes, then the body bytes as written.
 * `fromIntegrationResponse` maps the assembled bytes (a buffered delivery, e.g. from a worker
 * pod); `UrlStreamWriter` writes them to the client as they arrive (local environments).
 *
 * Invariant: no delimiter or an invalid prelude maps to `undefined` (502).
 */
import type { ServerResponse } from 'node:http';

import type { ResponseStreamSink } from '@lamina/core';

import { toUrlResponse, type UrlResponse } from './url-response.js';

export const INTEGRATION_RESPONSE_TYPE = 'application/vnd.awslambda.http-integration-response';

const DELIMITER = Buffer.alloc(8);

export function fromIntegrationResponse(payload: Buffer): UrlResponse | undefined {
  const at = payload.indexOf(DELIMITER);
  if (at < 0) return undefined;
  let prelude: unknown;
  try {
    prelude = JSON.parse(payload.subarray(0, at).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof prelude !== 'object' || prelude === null || Array.isArray(prelude)) return undefined;
  const head = toUrlResponse(
    Buffer.from(
      JSON.stringify({ statusCode: 200, ...(prelude as Record<string, unknown>), body: '' }),
    ),
  );
  if (head === undefined) return undefined;
  return { ...head, body: payload.subarray(at + DELIMITER.length) };
}

type Headers = UrlResponse['headers'];

/**
 * Writes a RESPONSE_STREAM function URL's answer to the client as the runtime writes it: the
 * integration prelude (status, headers, cookies) becomes the head once its delimiter has arrived,
 * then every chunk is written through; another content type is streamed as a 200 with it.
 *
 * Invariants: the head is written once, before any body byte; nothing is written before the
 * runtime starts a streamed response (`started` stays false, the caller answers buffered).
 */
export class UrlStreamWriter implements ResponseStreamSink {
  private readonly res: ServerResponse;
  private readonly decorate: (headers: Headers) => Headers;
  private pending: Buffer[] | undefined;
  private headSent = false;

  /** `decorate` adds the URL's CORS headers and the request id to the head. */
  constructor(res: ServerResponse, decorate: (headers: Headers) => Headers) {
    this.res = res;
    this.decorate = decorate;
  }

  /** True once the head has been written: the answer is this stream's. */
  get started(): boolean {
    return this.headSent;
  }

  start(contentType: string | undefined): void {
    if (contentType === INTEGRATION_RESPONSE_TYPE) {
      this.pending = [];
      return;
    }
    this.head(200, { 'content-type': contentType ?? 'application/octet-stream' });
  }

  write(chunk: Buffer): void {
    if (this.pending === undefined) {
      if (this.headSent) this.res.write(chunk);
      return;
    }
    this.pending.push(chunk);
    const buffered = Buffer.concat(this.pending);
    const at = buffered.indexOf(DELIMITER);
    if (at < 0) return;
    this.pending = undefined;
    const head = fromIntegrationResponse(buffered.subarray(0, at + DELIMITER.length));
    if (head === undefined) return;
    this.head(head.statusCode, head.headers);
    const rest = buffered.subarray(at + DELIMITER.length);
    if (rest.length > 0) this.res.write(rest);
  }

  /** The function finished: end the response, or cut it off when the function failed. */
  finish(failed: boolean): void {
    if (failed) this.res.destroy();
    else this.res.end();
  }

  private head(status: number, headers: Headers): void {
    this.headSent = true;
    this.res.writeHead(status, { ...this.decorate(headers) });
    this.res.flushHeaders();
  }
}

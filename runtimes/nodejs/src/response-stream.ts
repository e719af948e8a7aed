/**
 * Response streaming for Lamina's Node.js runtime, as Lambda's own offers it: the `awslambda`
 * global with `streamifyResponse(handler)` (the handler is called with `(event, responseStream,
 * context)`) and `HttpResponseStream.from(stream, prelude)` (the HTTP integration prelude for
 * function URLs). The answer is POSTed to the Runtime API with
 * `Lambda-Runtime-Function-Response-Mode: streaming`, chunked, each write sent as it is made; a
 * failure after the first byte is reported in the `Lambda-Runtime-Function-Error-*` trailers.
 *
 * Invariants: the request starts with the first write or at the end, so `setContentType` works
 * until then; the stream is ended exactly once; `done` settles when the Runtime API answered.
 * node:http is loaded on the first streamed answer, not at start: it is about 6 MB of an idle
 * environment's memory that a buffered handler never needs.
 */
import type http from 'node:http';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';

import type { ErrorBody } from './errors.js';

/** Lambda's own marker on a streamified handler. */
export const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const INTEGRATION_TYPE = 'application/vnd.awslambda.http-integration-response';

let httpModule: typeof http | undefined;
const loadHttp = (): typeof http =>
  (httpModule ??= createRequire(import.meta.url)('node:http') as typeof http);

type AnyHandler = ((...args: never[]) => unknown) & { [STREAMING]?: string };

export function isStreamingHandler(handler: unknown): boolean {
  return typeof handler === 'function' && (handler as AnyHandler)[STREAMING] === 'response';
}

/** The stream a streaming handler writes to. */
export class ResponseStream extends Writable {
  private contentType = 'application/octet-stream';
  private request: http.ClientRequest | undefined;
  private failure: ErrorBody | undefined;
  readonly done: Promise<void>;
  private answered!: () => void;

  constructor(
    private readonly endpoint: string,
    private readonly requestId: string,
  ) {
    super();
    this.done = new Promise((resolve) => {
      this.answered = resolve;
    });
  }

  /** True once the response has begun (the Runtime API has been told it is streamed). */
  get opened(): boolean {
    return this.request !== undefined;
  }

  setContentType(type: string): void {
    this.contentType = type;
  }

  /** Ends the stream with the error in the trailers (a function error for the caller). */
  fail(body: ErrorBody): void {
    this.failure = body;
    if (!this.writableEnded) this.end();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.open().write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    const req = this.open();
    if (this.failure !== undefined) {
      req.addTrailers({
        'Lambda-Runtime-Function-Error-Type': this.failure.errorType,
        'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(this.failure)).toString(
          'base64',
        ),
      });
    }
    req.end(cb);
  }

  private open(): http.ClientRequest {
    if (this.request !== undefined) return this.request;
    const [host, port] = this.endpoint.split(':');
    const req = loadHttp().request({
      host,
      port: Number(port),
      method: 'POST',
      path: `/2018-06-01/runtime/invocation/${this.requestId}/response`,
      agent: false,
      headers: {
        'Content-Type': this.contentType,
        'Lambda-Runtime-Function-Response-Mode': 'streaming',
        'Transfer-Encoding': 'chunked',
        Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        this.answered();
      });
    });
    req.on('error', () => {
      this.answered();
    });
    this.request = req;
    return req;
  }
}

/** Installs the `awslambda` global before the handler module loads. */
export function installAwslambdaGlobal(): void {
  const awslambda = {
    streamifyResponse<H extends object>(handler: H): H {
      Object.defineProperty(handler, STREAMING, { value: 'response' });
      return handler;
    },
    HttpResponseStream: {
      from(stream: ResponseStream, prelude: object): ResponseStream {
        stream.setContentType(INTEGRATION_TYPE);
        stream.write(JSON.stringify(prelude));
        stream.write(new Uint8Array(8));
        return stream;
      },
    },
  };
  Object.defineProperty(globalThis, 'awslambda', { value: awslambda, configurable: true });
}

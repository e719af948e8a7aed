import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import {
  installAwslambdaGlobal,
  INTEGRATION_TYPE,
  isStreamingHandler,
  ResponseStream,
} from './response-stream.js';

interface Seen {
  headers: http.IncomingHttpHeaders;
  chunks: string[];
  trailers: Record<string, string | undefined>;
}

/** A Runtime API stand-in that records one streamed `/response`. */
async function runtimeApi(): Promise<{ endpoint: string; seen: Promise<Seen>; close: () => void }> {
  let record: (s: Seen) => void = () => undefined;
  const seen = new Promise<Seen>((resolve) => (record = resolve));
  const server = http.createServer((req, res) => {
    const chunks: string[] = [];
    req.on('data', (c: Buffer) => chunks.push(c.toString()));
    req.on('end', () => {
      record({ headers: req.headers, chunks, trailers: req.trailers });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `127.0.0.1:${String(port)}`, seen, close: () => server.close() };
}

interface AwsLambda {
  streamifyResponse<H extends object>(h: H): H;
  HttpResponseStream: { from(s: ResponseStream, prelude: object): ResponseStream };
}

describe('response streaming', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  it('marks streamified handlers as Lambda does', () => {
    installAwslambdaGlobal();
    const awslambda = (globalThis as unknown as { awslambda: AwsLambda }).awslambda;
    const h = awslambda.streamifyResponse(() => undefined);
    expect(isStreamingHandler(h)).toBe(true);
    expect(isStreamingHandler(() => undefined)).toBe(false);
  });

  it('POSTs a streaming response with the prelude, then each write', async () => {
    const api = await runtimeApi();
    closers.push(api.close);
    installAwslambdaGlobal();
    const awslambda = (globalThis as unknown as { awslambda: AwsLambda }).awslambda;
    const stream = awslambda.HttpResponseStream.from(new ResponseStream(api.endpoint, 'r1'), {
      statusCode: 201,
    });
    stream.write('a');
    stream.end('b');
    await stream.done;
    const seen = await api.seen;
    expect(seen.headers['content-type']).toBe(INTEGRATION_TYPE);
    expect(seen.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    expect(seen.chunks.join('')).toBe(`{"statusCode":201}${'\0'.repeat(8)}ab`);
  });

  it('reports a failure after the first byte in the trailers', async () => {
    const api = await runtimeApi();
    closers.push(api.close);
    const stream = new ResponseStream(api.endpoint, 'r2');
    stream.setContentType('text/plain');
    stream.write('partial');
    stream.fail({ errorType: 'Error', errorMessage: 'boom', trace: [] });
    await stream.done;
    const seen = await api.seen;
    expect(seen.headers['content-type']).toBe('text/plain');
    expect(seen.trailers['lambda-runtime-function-error-type']).toBe('Error');
    const body = Buffer.from(seen.trailers['lambda-runtime-function-error-body'] ?? '', 'base64');
    expect(JSON.parse(body.toString())).toMatchObject({ errorMessage: 'boom' });
  });
});

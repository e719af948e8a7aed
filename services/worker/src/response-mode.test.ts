import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import { makeInvocation } from './test-support/fixtures.js';
import { RuntimeApiServer, type RuntimeOutcome } from './runtime-api-server.js';

/** POSTs a chunked `/response` with the given mode header, body parts and trailers. */
function postStreamed(
  api: string,
  requestId: string,
  mode: string,
  parts: string[],
  trailers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const [host, port] = api.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port: Number(port),
        method: 'POST',
        path: `/2018-06-01/runtime/invocation/${requestId}/response`,
        headers: {
          'Lambda-Runtime-Function-Response-Mode': mode,
          'Transfer-Encoding': 'chunked',
          Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
          'Content-Type': 'text/plain',
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    for (const p of parts) req.write(p);
    req.addTrailers(trailers);
    req.end();
  });
}

function getNext(api: string): Promise<void> {
  const [host, port] = api.split(':');
  return new Promise((resolve, reject) => {
    http
      .get({ host, port: Number(port), path: '/2018-06-01/runtime/invocation/next' }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
}

describe('RuntimeApiServer response modes', () => {
  let server: RuntimeApiServer;
  let api: string;
  let outcomes: RuntimeOutcome[];
  let requestId: string;

  beforeEach(async () => {
    outcomes = [];
    server = new RuntimeApiServer({
      events: { onInitDone: () => undefined, onInitError: () => undefined },
    });
    api = await server.listen();
    const inv = makeInvocation({ hi: 1 });
    requestId = inv.requestId;
    const next = getNext(api);
    server.dispatch(
      inv,
      Date.now() + 10_000,
      'Root=1-0-0',
      () => undefined,
      (o) => outcomes.push(o),
    );
    await next;
  });

  afterEach(async () => {
    await server.close();
  });

  it('buffers a streamed response for the caller', async () => {
    const r = await postStreamed(api, requestId, 'streaming', ['hello ', 'streamed ', 'world']);
    expect(r.status).toBe(202);
    await eventually(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ kind: 'response', contentType: 'text/plain' });
    expect((outcomes[0] as { payload: Buffer }).payload.toString()).toBe('hello streamed world');
  });

  it('turns an error trailer into a function error with the decoded body', async () => {
    const error = { errorType: 'Error', errorMessage: 'mid-stream' };
    await postStreamed(api, requestId, 'streaming', ['partial'], {
      'Lambda-Runtime-Function-Error-Type': 'Error',
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(error)).toString('base64'),
    });
    await eventually(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ kind: 'error', errorType: 'Error' });
    expect(JSON.parse((outcomes[0] as { payload: Buffer }).payload.toString())).toEqual(error);
  });

  it('refuses another mode: 400 InvalidFunctionResponseMode, Runtime.InvalidResponseModeHeader', async () => {
    const r = await postStreamed(api, requestId, 'bogus', ['x']);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ errorType: 'InvalidFunctionResponseMode' });
    await eventually(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({
      kind: 'error',
      errorType: 'Runtime.InvalidResponseModeHeader',
    });
  });
});

describe('RuntimeApiServer streaming to a sink', () => {
  it("hands a streamed response's bytes to the invocation's sink as they arrive", async () => {
    const server = new RuntimeApiServer({
      events: { onInitDone: () => undefined, onInitError: () => undefined },
    });
    const api = await server.listen();
    try {
      const seen: string[] = [];
      const inv = {
        ...makeInvocation({ hi: 1 }),
        responseStream: {
          start: (contentType: string | undefined) => seen.push(`start:${contentType ?? ''}`),
          write: (chunk: Buffer) => seen.push(chunk.toString()),
        },
      };
      const outcomes: RuntimeOutcome[] = [];
      const next = getNext(api);
      server.dispatch(
        inv,
        Date.now() + 10_000,
        'Root=1-0-0',
        () => undefined,
        (o) => outcomes.push(o),
      );
      await next;
      await postStreamed(api, inv.requestId, 'streaming', ['one ', 'two']);
      await eventually(() => outcomes.length === 1);
      expect(seen[0]).toBe('start:text/plain');
      expect(seen.slice(1).join('')).toBe('one two');
      expect((outcomes[0] as { payload: Buffer }).payload.toString()).toBe('one two');
    } finally {
      await server.close();
    }
  });
});

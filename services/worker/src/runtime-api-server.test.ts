import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import { makeInvocation } from './test-support/fixtures.js';
import { RuntimeApiServer, type RuntimeOutcome } from './runtime-api-server.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true });

function request(
  api: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const [host, port] = api.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host, port: Number(port), method, path: `/2018-06-01/runtime/${path}`, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('RuntimeApiServer', () => {
  let server: RuntimeApiServer;
  let api: string;
  let initDone: number;
  let initErrors: { type: string | undefined; body: string }[];

  beforeEach(async () => {
    initDone = 0;
    initErrors = [];
    server = new RuntimeApiServer({
      maxResponseBytes: 1000,
      events: {
        onInitDone: () => initDone++,
        onInitError: (type, body) => initErrors.push({ type, body: body.toString() }),
      },
    });
    api = await server.listen();
  });

  afterEach(async () => {
    await server.close();
  });

  function dispatch(overrides: Parameters<typeof makeInvocation>[1] = {}): {
    id: string;
    outcome: Promise<RuntimeOutcome>;
    sent: () => boolean;
  } {
    const inv = makeInvocation({ hello: 'world' }, overrides);
    let sent = false;
    const outcome = new Promise<RuntimeOutcome>((resolve) => {
      server.dispatch(inv, 1_700_000_000_000, 'Root=1-abc', () => (sent = true), resolve);
    });
    return { id: inv.requestId, outcome, sent: () => sent };
  }

  it('long-polls /next and hands over the event with Lambda headers', async () => {
    const next = request(api, 'GET', 'invocation/next');
    await eventually(() => initDone === 1);
    const { id, outcome, sent } = dispatch({ clientContext: '{"custom":{"a":1}}' });
    const reply = await next;
    expect(sent()).toBe(true);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ hello: 'world' });
    expect(reply.headers['lambda-runtime-aws-request-id']).toBe(id);
    expect(reply.headers['lambda-runtime-deadline-ms']).toBe('1700000000000');
    expect(reply.headers['lambda-runtime-invoked-function-arn']).toMatch(/^arn:aws:lambda:/);
    expect(reply.headers['lambda-runtime-trace-id']).toBe('Root=1-abc');
    expect(reply.headers['lambda-runtime-client-context']).toBe('{"custom":{"a":1}}');
    expect(reply.headers['lambda-runtime-cognito-identity']).toBeUndefined();

    const posted = await request(api, 'POST', `invocation/${id}/response`, '{"ok":true}', {
      'Content-Type': 'application/json',
    });
    expect(posted.status).toBe(202);
    expect(JSON.parse(posted.body)).toEqual({ status: 'OK' });
    const result = await outcome;
    expect(result.kind).toBe('response');
    if (result.kind === 'response') {
      expect(result.payload.toString()).toBe('{"ok":true}');
      expect(result.contentType).toBe('application/json');
    }
  });

  it('queues an invocation dispatched before the runtime asks for it', async () => {
    const { id, outcome, sent } = dispatch();
    expect(sent()).toBe(false);
    expect(server.waitingForRuntime).toBe(true);
    const reply = await request(api, 'GET', 'invocation/next');
    expect(reply.headers['lambda-runtime-aws-request-id']).toBe(id);
    await request(api, 'POST', `invocation/${id}/response`, 'null');
    expect((await outcome).kind).toBe('response');
  });

  it('passes /error bodies through unchanged with the error type header', async () => {
    const { id, outcome } = dispatch();
    await request(api, 'GET', 'invocation/next');
    const body = '{"errorMessage":"boom","errorType":"Custom.Thing","stackTrace":[]}';
    const posted = await request(api, 'POST', `invocation/${id}/error`, body, {
      'Lambda-Runtime-Function-Error-Type': 'Custom.Thing',
    });
    expect(posted.status).toBe(202);
    const result = await outcome;
    expect(result).toMatchObject({ kind: 'error', errorType: 'Custom.Thing' });
    if (result.kind === 'error') expect(result.payload.toString()).toBe(body);
  });

  it('answers 400 InvalidRequestID for unknown and already answered ids', async () => {
    const unknown = await request(api, 'POST', 'invocation/nope/response', '{}');
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body)).toEqual({
      errorMessage: 'Invalid request ID',
      errorType: 'InvalidRequestID',
    });
    const { id } = dispatch();
    await request(api, 'GET', 'invocation/next');
    expect((await request(api, 'POST', `invocation/${id}/response`, '1')).status).toBe(202);
    expect((await request(api, 'POST', `invocation/${id}/response`, '2')).status).toBe(400);
    expect((await request(api, 'POST', `invocation/${id}/error`, '{}')).status).toBe(400);
  });

  it('answers 413 above the response limit and reports the size to the caller', async () => {
    const { id, outcome } = dispatch();
    await request(api, 'GET', 'invocation/next');
    const posted = await request(api, 'POST', `invocation/${id}/response`, 'x'.repeat(1500));
    expect(posted.status).toBe(413);
    expect(JSON.parse(posted.body)).toEqual({
      errorType: 'RequestEntityTooLarge',
      errorMessage: 'Exceeded maximum allowed payload size (1000 bytes).',
    });
    expect(await outcome).toEqual({ kind: 'too-large', size: 1500 });
  });

  it('counts chunked bodies against the limit too', async () => {
    const { id, outcome } = dispatch();
    await request(api, 'GET', 'invocation/next');
    const [host, port] = api.split(':');
    const status = await new Promise<number>((resolve) => {
      const req = http.request(
        {
          host,
          port: Number(port),
          method: 'POST',
          path: `/2018-06-01/runtime/invocation/${id}/response`,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      for (let i = 0; i < 3; i++) req.write('y'.repeat(500));
      req.end();
    });
    expect(status).toBe(413);
    expect(await outcome).toEqual({ kind: 'too-large', size: 1500 });
  });

  it('reports /init/error to the environment and refuses later state changes', async () => {
    const body = '{"errorType":"Runtime.ImportModuleError","errorMessage":"x"}';
    const posted = await request(api, 'POST', 'init/error', body, {
      'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError',
    });
    expect(posted.status).toBe(202);
    expect(initErrors).toEqual([{ type: 'Runtime.ImportModuleError', body }]);
    const next = await request(api, 'GET', 'invocation/next');
    expect(next.status).toBe(403);
    expect(JSON.parse(next.body)).toMatchObject({ errorType: 'InvalidStateTransition' });
  });

  it('answers 403 to /init/error after init and to /next while an invocation is out', async () => {
    const { id } = dispatch();
    await request(api, 'GET', 'invocation/next');
    expect((await request(api, 'POST', 'init/error', '{}')).status).toBe(403);
    expect((await request(api, 'GET', 'invocation/next')).status).toBe(403);
    expect((await request(api, 'POST', `invocation/${id}/response`, '{}')).status).toBe(202);
  });

  it('accepts an answer and the next /next pipelined on one connection', async () => {
    const first = dispatch();
    await request(api, 'GET', 'invocation/next');
    const [host, port] = api.split(':');
    const socket = net.connect(Number(port), host);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    const body = '{"a":1}';
    socket.write(
      `POST /2018-06-01/runtime/invocation/${first.id}/response HTTP/1.1\r\nHost: x\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body}` +
        'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const outcome = await first.outcome;
    expect(outcome.kind).toBe('response');
    const second = dispatch();
    await eventually(() => second.sent());
    await eventually(() => Buffer.concat(received).includes(second.id));
    const text = Buffer.concat(received).toString();
    expect(text).toMatch(/^HTTP\/1\.1 202 /);
    expect(text).toContain(`Lambda-Runtime-Aws-Request-Id: ${second.id}`);
    socket.destroy();
  });

  it('gives a late answer to a cancelled invocation 400', async () => {
    const { id } = dispatch();
    await request(api, 'GET', 'invocation/next');
    server.cancel();
    expect((await request(api, 'POST', `invocation/${id}/response`, '{}')).status).toBe(400);
  });

  it('answers 404 and 405 for other paths and methods', async () => {
    expect((await request(api, 'GET', 'invocation/x/unknown')).status).toBe(404);
    expect((await request(api, 'GET', 'nothing')).status).toBe(404);
    expect((await request(api, 'POST', 'invocation/next')).status).toBe(405);
    expect((await request(api, 'GET', 'invocation/abc/response')).status).toBe(405);
    expect(initDone).toBe(0);
  });

  describe('over an upgraded connection (lamina-runtime-api)', () => {
    function connect(): { socket: net.Socket; text: () => string; chunks: Buffer[] } {
      const [host, port] = api.split(':');
      const socket = net.connect(Number(port), host);
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      return { socket, chunks, text: () => Buffer.concat(chunks).toString() };
    }
    const NEXT = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n';
    const UPGRADE = 'Connection: Upgrade\r\nUpgrade: lamina-runtime-api\r\n';
    const post = (id: string, body: string, action = 'response', extra = ''): string =>
      `POST /2018-06-01/runtime/invocation/${id}/${action} HTTP/1.1\r\nHost: x\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

    it('switches protocols on /next and writes the 202 of a pipelined answer with the next event', async () => {
      const conn = connect();
      conn.socket.write(`${NEXT}${UPGRADE}\r\n`);
      await eventually(() => initDone === 1);
      const first = dispatch({ clientContext: 'ctx' });
      await eventually(() => conn.text().includes(first.id));
      // The 101 waits with the parked /next: it leaves with the first event.
      expect(conn.chunks).toHaveLength(1);
      const event = conn.text();
      expect(event).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
      expect(event).toContain('HTTP/1.1 200 OK\r\nContent-Length: 17\r\n');
      expect(event).toContain('Lambda-Runtime-Deadline-Ms: 1700000000000\r\n');
      expect(event).toContain('Lambda-Runtime-Trace-Id: Root=1-abc\r\n');
      expect(event).toContain('Lambda-Runtime-Client-Context: ctx\r\n');
      expect(event.endsWith('\r\n\r\n{"hello":"world"}')).toBe(true);

      conn.chunks.length = 0;
      conn.socket.write(
        `${post(first.id, '{"a":1}', 'response', 'Content-Type: application/json\r\n')}${NEXT}\r\n`,
      );
      const outcome = await first.outcome;
      expect(outcome).toMatchObject({ kind: 'response', contentType: 'application/json' });
      if (outcome.kind === 'response') expect(outcome.payload.toString()).toBe('{"a":1}');
      // The 202 waits for the event the parked /next gets: both leave in one write.
      await new Promise((r) => setTimeout(r, 50));
      expect(conn.chunks).toHaveLength(0);
      const second = dispatch();
      await eventually(() => conn.text().includes(second.id));
      expect(conn.chunks).toHaveLength(1);
      expect(conn.text()).toMatch(
        /^HTTP\/1\.1 202 Accepted\r\n[^]*\{"status":"OK"\}HTTP\/1\.1 200 OK\r\n/,
      );

      // An error answer without a /next behind it is answered at once.
      conn.chunks.length = 0;
      conn.socket.write(
        post(second.id, '{"errorType":"X"}', 'error', 'Lambda-Runtime-Function-Error-Type: X\r\n'),
      );
      expect(await second.outcome).toMatchObject({ kind: 'error', errorType: 'X' });
      await eventually(() => conn.text().startsWith('HTTP/1.1 202 Accepted\r\n'));
      conn.socket.destroy();
    });

    it('answers 413, 400 and 403 as node:http does, and closes on a malformed request', async () => {
      const conn = connect();
      conn.socket.write(`${NEXT}${UPGRADE}\r\n`);
      const first = dispatch();
      await eventually(() => conn.text().includes(first.id));
      conn.chunks.length = 0;
      conn.socket.write(post(first.id, 'x'.repeat(1500)));
      expect(await first.outcome).toEqual({ kind: 'too-large', size: 1500 });
      await eventually(() => conn.text().startsWith('HTTP/1.1 413 Payload Too Large\r\n'));
      conn.chunks.length = 0;
      conn.socket.write(post('nope', '{}'));
      await eventually(() => conn.text().startsWith('HTTP/1.1 400 Bad Request\r\n'));
      expect(conn.text()).toContain('InvalidRequestID');
      conn.chunks.length = 0;
      conn.socket.write(
        'POST /2018-06-01/runtime/init/error HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}',
      );
      await eventually(() => conn.text().startsWith('HTTP/1.1 403 Forbidden\r\n'));
      conn.chunks.length = 0;
      conn.socket.write('POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
      await eventually(() => conn.socket.readableEnded || conn.socket.destroyed);
      expect(conn.text()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      conn.socket.destroy();
    });

    it('reads requests split anywhere, header names in any case and values with blanks', async () => {
      const conn = connect();
      conn.socket.write(`${NEXT}${UPGRADE}\r\n`);
      const first = dispatch();
      await eventually(() => conn.text().includes(first.id));
      conn.chunks.length = 0;
      const body = '{"split":true}';
      const raw =
        `POST /2018-06-01/runtime/invocation/${first.id}/response HTTP/1.1\r\nhost: x\r\n` +
        `CONTENT-TYPE :  application/json \r\ncontent-length: ${body.length}\r\n\r\n${body}` +
        `${NEXT}\r\n`;
      for (let at = 0; at < raw.length; at += 7) {
        conn.socket.write(raw.slice(at, at + 7));
        await new Promise((r) => setImmediate(r));
      }
      const outcome = await first.outcome;
      expect(outcome).toMatchObject({ kind: 'response', contentType: 'application/json' });
      if (outcome.kind === 'response') expect(outcome.payload.toString()).toBe(body);
      const second = dispatch();
      await eventually(() => conn.text().includes(second.id));
      expect(conn.text()).toMatch(/^HTTP\/1\.1 202 Accepted\r\n[^]*HTTP\/1\.1 200 OK\r\n/);
      conn.socket.destroy();
    });

    it('refuses another protocol', async () => {
      const conn = connect();
      conn.socket.write(`${NEXT}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      await eventually(() => conn.text().startsWith('HTTP/1.1 400 Bad Request\r\n'));
      expect(initDone).toBe(0);
      conn.socket.destroy();
    });
  });
});

import { createServer, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';

import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { applyRequestLimits } from './request-limits.js';
import { fakeApp, record } from '../test-support/fakes.js';

const LIMITS = { headersTimeoutMs: 200, requestTimeoutMs: 400 };
/** How late a bound may fire on a loaded CI machine and still be that bound, not a hang. */
const SLACK_MS = 5_000;
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections();
          s.close(resolve);
        }),
    ),
  );
});

async function listening(handler: RequestListener, registry = new Registry()) {
  const server = createServer(handler);
  applyRequestLimits(server, LIMITS, registry);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  return { port: address.port, registry };
}

interface Exchange {
  /** Everything the server sent. */
  readonly answer: string;
  /** From the first byte sent to the close of the connection. */
  readonly ms: number;
  /** Body bytes the client managed to send before the close. */
  readonly sent: number;
}

/** Sends `head`, then `body` one byte every `everyMs` (all at once when 0), until closed. */
function exchange(port: number, head: string, body = '', everyMs = 0): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (everyMs === 0) {
        socket.write(body);
        sent = body.length;
        return;
      }
      timer = setInterval(() => {
        if (sent < body.length && socket.writable) socket.write(body.slice(sent, ++sent));
      }, everyMs);
    });
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, ms: performance.now() - started, sent });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after 5 s; got ${JSON.stringify(answer)}`));
    }, 5000).unref();
  });
}

async function timeouts(registry: Registry, phase: string): Promise<number> {
  const metric = await registry.getSingleMetric('lamina_gateway_request_timeouts_total')?.get();
  return metric?.values.find((v) => v.labels['phase'] === phase)?.value ?? 0;
}

/** The gateway's app with a function `hello`: its Invoke reads the whole body first. */
function gatewayApp() {
  const t = fakeApp();
  t.functions.records.set('hello', record('hello'));
  return t;
}

const POST = (length: number): string =>
  `POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`;

describe('applyRequestLimits', () => {
  it('answers 408 and closes when the body is shorter than its Content-Length', async () => {
    const { app } = gatewayApp();
    const { port, registry } = await listening(app);
    const r = await exchange(port, POST(100), '{"a":');
    expect(r.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n/);
    expect(r.ms).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 20);
    expect(r.ms).toBeLessThan(LIMITS.requestTimeoutMs + SLACK_MS);
    expect(await timeouts(registry, 'body')).toBe(1);
    expect(await timeouts(registry, 'headers')).toBe(0);
  });

  it('cuts off a body trickled a byte at a time', async () => {
    const { app } = gatewayApp();
    const { port, registry } = await listening(app);
    const body = JSON.stringify({ pad: 'x'.repeat(200) });
    const r = await exchange(port, POST(body.length), body, 20);
    expect(r.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.sent).toBeLessThan(body.length);
    expect(r.ms).toBeLessThan(LIMITS.requestTimeoutMs + SLACK_MS);
    expect(await timeouts(registry, 'body')).toBe(1);
  });

  it('answers 408 when the headers never end, and counts it as a headers timeout', async () => {
    const { port, registry } = await listening(() => undefined);
    const r = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
    expect(r.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.ms).toBeLessThan(LIMITS.headersTimeoutMs + SLACK_MS);
    expect(await timeouts(registry, 'headers')).toBe(1);
    expect(await timeouts(registry, 'body')).toBe(0);
  });

  it('does not bound the time the response takes once the request is in', async () => {
    const { port, registry } = await listening((_req, res) => {
      setTimeout(() => res.end('late'), LIMITS.requestTimeoutMs * 2);
    });
    const r = await exchange(port, POST(2).replace('HTTP/1.1', 'HTTP/1.0'), '{}');
    expect(r.answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(r.answer).toMatch(/late$/);
    expect(await timeouts(registry, 'body')).toBe(0);
  });

  it('closes without a 408 when the request was answered before its body came', async () => {
    const { app } = fakeApp(); // no function: Invoke answers 404 without reading the body
    const { port, registry } = await listening(app);
    const r = await exchange(port, POST(100), '{"a":');
    expect(r.answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(r.answer).not.toMatch(/408/);
    expect(r.ms).toBeLessThan(LIMITS.requestTimeoutMs + SLACK_MS);
    expect(await timeouts(registry, 'body')).toBe(1);
  });

  it("keeps Node's answer to other client errors", async () => {
    const { port, registry } = await listening(() => undefined);
    const r = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(r.answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nConnection: close/);
    expect(await timeouts(registry, 'headers')).toBe(0);
  });

  it('must be applied before the server listens, with headers bound within the request bound', async () => {
    const { port } = await listening(() => undefined);
    expect(port).toBeGreaterThan(0);
    const server = servers[0];
    if (server === undefined) throw new Error('no server');
    expect(() => {
      applyRequestLimits(server, LIMITS, new Registry());
    }).toThrow(/before the server listens/);
    expect(() => {
      applyRequestLimits(
        createServer(),
        { headersTimeoutMs: 2, requestTimeoutMs: 1 },
        new Registry(),
      );
    }).toThrow(RangeError);
  });
});

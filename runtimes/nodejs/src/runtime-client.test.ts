import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponse, parseResponseAt, RuntimeClient } from './runtime-client.js';

describe('parseResponse', () => {
  it('parses a Content-Length response and leaves the rest', () => {
    const raw = Buffer.from(
      'HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: abc\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1',
    );
    const parsed = parseResponse(raw);
    expect(parsed?.response.status).toBe(200);
    expect(parsed?.response.headers['lambda-runtime-aws-request-id']).toBe('abc');
    expect(parsed?.response.body.toString()).toBe('{}');
    expect(parsed?.rest.toString()).toBe('HTTP/1.1');
  });

  it('reads answers at offsets, lower-cases any header name and trims values', () => {
    const raw = Buffer.from(
      'HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n' +
        'Content-Length: 2\r\nLambda-Runtime-Trace-Id:\tRoot=1-a \r\nX-Odd-Name:  v  \r\n\r\n{}',
    );
    const first = parseResponseAt(raw, 0);
    expect(first?.response.status).toBe(202);
    const second = parseResponseAt(raw, first?.end ?? 0);
    expect(second?.response.status).toBe(200);
    expect(second?.response.headers).toEqual({
      'content-length': '2',
      'lambda-runtime-trace-id': 'Root=1-a',
      'x-odd-name': 'v',
    });
    expect(second?.response.body.toString()).toBe('{}');
    expect(second?.end).toBe(raw.length);
  });

  it('waits for the whole body', () => {
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}'))).toBe(
      undefined,
    );
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Len'))).toBe(undefined);
  });

  it('decodes chunked bodies', () => {
    const raw =
      'HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n';
    const parsed = parseResponse(Buffer.from(raw));
    expect(parsed?.response.status).toBe(202);
    expect(parsed?.response.body.toString()).toBe('abcde');
    expect(parsed?.rest.length).toBe(0);
    expect(parseResponse(Buffer.from(raw.slice(0, -6)))).toBe(undefined);
  });
});

describe('RuntimeClient', () => {
  const seen: string[] = [];
  let server: http.Server;
  let endpoint = '';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push(`${req.method ?? ''} ${req.url ?? ''} ${Buffer.concat(chunks).toString()}`);
        if (req.url?.endsWith('/next') === true) {
          res.writeHead(200, { 'Lambda-Runtime-Aws-Request-Id': `id-${seen.length}` });
          res.end('{"n":1}');
        } else {
          res.writeHead(202).end('{"status":"OK"}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('pipelines an answer and the next /next over one connection', async () => {
    const client = new RuntimeClient(endpoint);
    const first = await client.next();
    expect(first.headers['lambda-runtime-aws-request-id']).toBe('id-1');
    const second = await client.respondAndNext('id-1', '"ok"');
    expect(second.body.toString()).toBe('{"n":1}');
    await client.failAndNext('id-3', '{"errorType":"E"}', 'E');
    expect(seen).toEqual([
      'GET /2018-06-01/runtime/invocation/next ',
      'POST /2018-06-01/runtime/invocation/id-1/response "ok"',
      'GET /2018-06-01/runtime/invocation/next ',
      'POST /2018-06-01/runtime/invocation/id-3/error {"errorType":"E"}',
      'GET /2018-06-01/runtime/invocation/next ',
    ]);
  });

  it('rejects pending calls when the connection fails', async () => {
    const client = new RuntimeClient('127.0.0.1:1');
    await expect(client.next()).rejects.toThrow();
  });
});

describe('RuntimeClient against an upgrading Runtime API', () => {
  it('asks to upgrade on its first /next only and skips the 101', async () => {
    const heads: string[] = [];
    const server = net.createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        heads.push(chunk.toString());
        const answer =
          'HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r\r\nContent-Length: 2\r\n\r\n{}';
        const upgrade = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: lamina-runtime-api\r\n\r\n';
        socket.write(
          heads.length === 1
            ? upgrade + answer
            : `HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n${answer}`,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new RuntimeClient(`127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect((await client.next()).status).toBe(200);
    expect((await client.respondAndNext('r', '1')).body.toString()).toBe('{}');
    expect(heads[0]).toContain('Connection: Upgrade\r\nUpgrade: lamina-runtime-api\r\n');
    expect(heads[1]).not.toContain('Upgrade');
    server.close();
  });

  it('reads the 202 and the next event arriving in pieces', async () => {
    const server = net.createServer((socket) => {
      socket.on('data', () => {
        const answer =
          'HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{"status":"OK"}HTTP/1.1 200 OK\r\n' +
          'Lambda-Runtime-Aws-Request-Id: r2\r\nContent-Length: 7\r\n\r\n{"n":2}';
        void (async () => {
          for (let at = 0; at < answer.length; at += 5) {
            socket.write(answer.slice(at, at + 5));
            await new Promise((r) => setTimeout(r, 1));
          }
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new RuntimeClient(`127.0.0.1:${(server.address() as AddressInfo).port}`);
    const next = await client.respondAndNext('r1', '1');
    expect(next.headers['lambda-runtime-aws-request-id']).toBe('r2');
    expect(next.body.toString()).toBe('{"n":2}');
    server.close();
  });
});

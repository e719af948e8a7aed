import { Agent, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { sha256Hex, verifySigV4 } from '@lamina/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GatewayClient } from './gateway-client.js';
import { ASYNC_INVOKE_RULES, KAFKA_INVOKE_RULES } from './invoke-kind.js';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('GatewayClient', () => {
  const seen: Seen[] = [];
  let server: Server;
  let url: string;
  const agent = new Agent({ keepAlive: true });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        const fn = decodeURIComponent((req.url ?? '').split('/')[3] ?? '');
        if (fn === 'gone') res.writeHead(404).end('{"Type":"ResourceNotFoundException"}');
        else if (fn === 'big') res.writeHead(413).end('{}');
        else if (req.headers['x-amz-invocation-type'] === 'Event') res.writeHead(202).end();
        else
          res
            .writeHead(200, { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '3' })
            .end('{"errorMessage":"boom"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = <R extends typeof ASYNC_INVOKE_RULES | typeof KAFKA_INVOKE_RULES>(rules: R) =>
    new GatewayClient({ gatewayUrl: url, agent, invokeTimeoutMs: 5000, rules });

  it('signs every call with its own key when it has one (a signed gateway)', async () => {
    const credentials = { accessKeyId: 'SVC', secretAccessKey: 'svc-secret', region: 'us-east-1' };
    const signed = new GatewayClient({
      gatewayUrl: url,
      agent,
      invokeTimeoutMs: 5000,
      rules: ASYNC_INVOKE_RULES,
      credentials,
    });
    await signed.invoke('fn:PROD', Buffer.from('{"a":1}'), 'req-s');
    await signed.invokeEvent('fn', '{"b":2}', 'req-e');
    for (const call of seen.slice(-2)) {
      const caller = verifySigV4(
        { method: 'POST', url: call.url, headers: call.headers, bodyHash: sha256Hex(call.body) },
        {
          secretOf: (id) => (id === 'SVC' ? 'svc-secret' : undefined),
          region: 'us-east-1',
          services: ['lambda'],
          now: Date.now(),
        },
      );
      expect(caller.accessKeyId).toBe('SVC');
    }
  });

  it('posts a RequestResponse invoke with the request id and classifies the answer', async () => {
    const o = await client(KAFKA_INVOKE_RULES).invoke('fn:PROD', Buffer.from('{}'), 'req-1');
    expect(o).toEqual({
      kind: 'function-error',
      statusCode: 200,
      functionError: 'Unhandled',
      executedVersion: '3',
      body: '{"errorMessage":"boom"}',
    });
    const last = seen.at(-1);
    expect(last?.url).toBe('/2015-03-31/functions/fn%3APROD/invocations');
    expect(last?.headers['x-amzn-requestid']).toBe('req-1');
    expect(last?.headers['x-amz-invocation-type']).toBe('RequestResponse');
  });

  it('classifies 404 and 413 by the rules it was given', async () => {
    const payload = Buffer.from('{}');
    expect((await client(ASYNC_INVOKE_RULES).invoke('gone', payload, 'r')).kind).toBe('rejected');
    expect((await client(KAFKA_INVOKE_RULES).invoke('gone', payload, 'r')).kind).toBe(
      'system-error',
    );
    expect((await client(ASYNC_INVOKE_RULES).invoke('big', payload, 'r')).kind).toBe('rejected');
    expect((await client(KAFKA_INVOKE_RULES).invoke('big', payload, 'r')).kind).toBe('too-large');
  });

  it('never throws: no answer is status 0, a system error with the reason', async () => {
    const c = new GatewayClient({
      gatewayUrl: 'http://127.0.0.1:1',
      agent,
      invokeTimeoutMs: 1000,
      rules: ASYNC_INVOKE_RULES,
    });
    const o = await c.invoke('fn', Buffer.from('{}'), 'r');
    expect(o).toMatchObject({ kind: 'system-error', statusCode: 0 });
    expect(o.body).toMatch(/^The invoke path did not answer: /);
  });

  it('sends Event invokes and throws unless they are accepted', async () => {
    await client(ASYNC_INVOKE_RULES).invokeEvent('fn', '{"a":1}');
    expect(seen.at(-1)?.headers['x-amz-invocation-type']).toBe('Event');
    await expect(client(ASYNC_INVOKE_RULES).invokeEvent('gone', '{}')).rejects.toThrow(
      /Event invoke of gone answered 404/,
    );
  });
});

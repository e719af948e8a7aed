import { createServer, type Server } from 'node:http';

import type { FunctionUrlRecord } from '@lamina/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { LoopbackEndpoints } from './loopback-endpoints.js';
import { HostEndpoints } from './url-endpoints.js';

const record: FunctionUrlRecord = {
  urlId: 'abc',
  functionName: 'hello',
  authType: 'NONE',
  invokeMode: 'BUFFERED',
  creationTime: 't',
  lastModifiedTime: 't',
};

const logger = pino({ level: 'silent' });

describe('LoopbackEndpoints', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  const endpoints = (): LoopbackEndpoints => {
    const e = new LoopbackEndpoints({ host: '127.0.0.1', region: 'us-east-1', logger });
    cleanup.push(() => e.stop());
    e.attach((urlId, req, res) => {
      res.end(`${urlId} ${req.method ?? ''} ${req.url ?? ''}`);
    });
    return e;
  };

  it('answers each URL on its own port, with any path and query appended', async () => {
    const e = endpoints();
    const opened = await e.open(record);
    expect(opened.port).toBeGreaterThan(0);
    const url = e.urlOf(opened);
    expect(url).toBe(`http://127.0.0.1:${String(opened.port)}/`);
    const res = await fetch(`${url}a/b?x=1`, { method: 'POST' });
    expect(await res.text()).toBe('abc POST /a/b?x=1');
    await e.close(opened);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('keeps a stored port, and takes a new one when it is taken', async () => {
    const e = endpoints();
    const first = await e.open(record);
    await e.close(first);
    const again = await e.open(first);
    expect(again.port).toBe(first.port);
    await e.close(again);

    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(first.port, '127.0.0.1', resolve));
    cleanup.push(
      () =>
        new Promise((resolve) =>
          squatter.close(() => {
            resolve();
          }),
        ),
    );
    const moved = await e.open(first);
    expect(moved.port).not.toBe(first.port);
  });

  it('routes <id>.lambda-url.<region>.localhost by Host', () => {
    const e = endpoints();
    expect(e.idOfHost('abc123.lambda-url.us-east-1.localhost:9000')).toBe('abc123');
    expect(e.idOfHost('127.0.0.1:9000')).toBeUndefined();
    expect(e.idOfHost(undefined)).toBeUndefined();
  });
});

describe('HostEndpoints', () => {
  it('names URLs under the configured domain and routes them by Host', () => {
    const e = new HostEndpoints({
      region: 'eu-west-1',
      domain: 'fn.example.com',
      scheme: 'https',
      port: 8443,
    });
    expect(e.urlOf(record)).toBe('https://abc.lambda-url.eu-west-1.fn.example.com:8443/');
    expect(e.idOfHost('ABC.lambda-url.eu-west-1.fn.example.com:8443')).toBe('abc');
    expect(e.idOfHost('abc.lambda-url.us-east-1.fn.example.com')).toBeUndefined();
    expect(e.idOfHost('x.y.lambda-url.eu-west-1.fn.example.com')).toBeUndefined();
  });
});

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FunctionLogSource, LogQuery } from '@lamina/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { FileLogSource } from '../logs/file-log-source.js';
import { fakeApp, json, record } from '../test-support/fakes.js';

const A = '11111111-2222-4333-8444-555555555555';

describe('GET /lamina/v1/functions/{name}/logs and /metrics', () => {
  it("answers the mode's log events with the query it was given", async () => {
    const queries: LogQuery[] = [];
    const logs: FunctionLogSource = {
      read: (_fn, q) => {
        queries.push(q);
        return Promise.resolve([{ time: 5, message: 'hello', requestId: A }]);
      },
    };
    const { app, functions } = fakeApp({ logs });
    functions.records.set('hello', record('hello'));
    const res = await request(app)
      .get(`/lamina/v1/functions/hello/logs?since=1000&filter=he.*o&requestId=${A}&limit=5`)
      .expect(200);
    expect(res.body).toEqual({ events: [{ time: 5, message: 'hello', requestId: A }] });
    expect(queries[0]).toEqual({ since: 1000, filter: /he.*o/, requestId: A, limit: 5 });
    await request(app)
      .get('/lamina/v1/functions/hello/logs?since=2026-12-07T00:00:00Z')
      .expect(200);
    expect(queries[1]?.since).toBe(Date.parse('2026-12-07T00:00:00Z'));
  });

  it('refuses bad parameters with a 400 naming them, and an unknown function with a 404', async () => {
    const { app, functions } = fakeApp({ logs: { read: () => Promise.resolve([]) } });
    functions.records.set('hello', record('hello'));
    for (const [q, text] of [
      ['filter=(', /filter is not a regular expression/],
      ['limit=0', /limit must be an integer from 1 to 10000/],
      ['limit=abc', /limit must be/],
      ['since=yesterday', /since must be epoch milliseconds or an ISO time/],
    ] as const) {
      const res = await request(app).get(`/lamina/v1/functions/hello/logs?${q}`).expect(400);
      expect(res.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
      expect(json(res).message).toMatch(text);
    }
    const missing = await request(app).get('/lamina/v1/functions/nope/logs').expect(404);
    expect(missing.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    await request(app).get('/lamina/v1/functions/nope/metrics').expect(404);
  });

  it('answers no events where the mode keeps no logs, and chart points from the registry', async () => {
    const { app, functions } = fakeApp();
    functions.records.set('hello', record('hello'));
    const logs = await request(app).get('/lamina/v1/functions/hello/logs').expect(200);
    expect(logs.body).toEqual({ events: [] });
    const metrics = await request(app).get('/lamina/v1/functions/hello/metrics').expect(200);
    expect((metrics.body as { points: unknown[] }).points).toEqual([
      expect.objectContaining({ invocations: 0, errors: 0, throttles: 0, concurrency: 0 }),
    ]);
  });

  it("reads local mode's files from their end (FileLogSource)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-file-logs-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'hello.log'),
      [
        '2026-12-07T00:00:01.000Z\tSTART RequestId: r1 Version: $LATEST',
        'unstamped line',
        '2026-12-07T00:00:02.000Z\tREPORT RequestId: r1\tDuration: 1.00 ms',
        '',
      ].join('\n'),
    );
    const source = new FileLogSource(dir);
    const events = await source.read('hello', { limit: 10 });
    expect(events.map((e) => [e.time, e.message, e.requestId])).toEqual([
      [Date.parse('2026-12-07T00:00:01Z'), 'START RequestId: r1 Version: $LATEST', 'r1'],
      [Date.parse('2026-12-07T00:00:01Z'), 'unstamped line', 'r1'],
      [Date.parse('2026-12-07T00:00:02Z'), 'REPORT RequestId: r1\tDuration: 1.00 ms', 'r1'],
    ]);
    expect(await source.read('other', { limit: 10 })).toEqual([]);
    const tail = await new FileLogSource(dir, 70).read('hello', { limit: 10 });
    expect(tail.map((e) => e.message)).toEqual(['REPORT RequestId: r1\tDuration: 1.00 ms']);
  });
});

describe('GET /console', () => {
  it('serves the built console, its config, and a clear 404 when not built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    const { app } = fakeApp({ consoleDir: dir });
    const redirect = await request(app).get('/console').expect(302);
    expect(redirect.headers['location']).toBe('/console/');
    const page = await request(app).get('/console/').expect(200);
    expect(page.text).toMatch(/<title>console<\/title>/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const config = await request(app).get('/console/config.json').expect(200);
    expect(config.body).toEqual({ region: 'us-east-1', signed: false });
    await request(app).get('/console/../package.json').expect(404);
    const { app: bare } = fakeApp({ consoleDir: join(dir, 'missing') });
    const missing = await request(bare).get('/console/').expect(404);
    expect(missing.text).toMatch(/not built/);
  });
});

import { createServer, type Server } from 'node:http';

import { afterEach, describe, expect, it } from 'vitest';

import { INTEGRATION_RESPONSE_TYPE, UrlStreamWriter } from './url-stream.js';

type Script = (w: UrlStreamWriter) => Promise<void>;

/** Serves one response written by `script` through a UrlStreamWriter; returns its URL. */
async function serve(script: Script, servers: Server[]): Promise<string> {
  const server = createServer((_req, res) => {
    const w = new UrlStreamWriter(res, (h) => ({ ...h, 'x-amzn-requestid': 'r1' }));
    void script(w);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return `http://127.0.0.1:${String(typeof addr === 'object' && addr !== null ? addr.port : 0)}/`;
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('UrlStreamWriter', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  it('turns the prelude into the head, however it is split, and streams the rest', async () => {
    const url = await serve(async (w) => {
      w.start(INTEGRATION_RESPONSE_TYPE);
      const prelude = Buffer.concat([
        Buffer.from(JSON.stringify({ statusCode: 203, headers: { 'x-a': 'b' }, cookies: ['k=v'] })),
        Buffer.alloc(8),
        Buffer.from('body-1;'),
      ]);
      w.write(prelude.subarray(0, 10));
      await tick();
      expect(w.started).toBe(false);
      w.write(prelude.subarray(10));
      expect(w.started).toBe(true);
      await tick();
      w.write(Buffer.from('body-2'));
      w.finish(false);
    }, servers);
    const res = await fetch(url);
    expect(res.status).toBe(203);
    expect(res.headers.get('x-a')).toBe('b');
    expect(res.headers.get('x-amzn-requestid')).toBe('r1');
    expect(res.headers.getSetCookie()).toEqual(['k=v']);
    expect(await res.text()).toBe('body-1;body-2');
  });

  it('streams another content type as a 200 with it', async () => {
    const url = await serve(async (w) => {
      w.start('text/csv');
      w.write(Buffer.from('a,b\n'));
      await tick();
      w.finish(false);
    }, servers);
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('text/csv');
    expect(await res.text()).toBe('a,b\n');
  });

  it('cuts the response off when the function fails mid-stream', async () => {
    const url = await serve(async (w) => {
      w.start('text/plain');
      w.write(Buffer.from('partial'));
      await tick();
      w.finish(true);
    }, servers);
    const res = await fetch(url);
    await expect(res.text()).rejects.toThrow();
  });
});

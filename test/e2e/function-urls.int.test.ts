import {
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ListFunctionUrlConfigsCommand,
  PublishVersionCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

// Echoes what it received as JSON; `/binary` answers bytes, `/bare` a bare object.
const handler = `
exports.handler = async (event) => {
  if (event.rawPath === '/bare') return { bare: true };
  if (event.rawPath === '/binary') {
    return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2, 254, 255]).toString('base64'), isBase64Encoded: true };
  }
  return {
    statusCode: 207,
    headers: { 'content-type': 'application/json', 'x-method': event.requestContext.http.method },
    cookies: ['one=1; Path=/', 'two=2'],
    body: JSON.stringify(event),
  };
};
`;

// A custom runtime (provided.al2023) that streams its answer as Lambda's streaming runtimes do:
// the HTTP integration prelude, eight NUL bytes, then chunks a second apart.
const streamingRuntime = `
const http = require('node:http');
const api = process.env.AWS_LAMBDA_RUNTIME_API;
const next = () => new Promise((resolve, reject) => {
  http.get(\`http://\${api}/2018-06-01/runtime/invocation/next\`, (res) => {
    res.resume();
    res.on('end', () => resolve(res.headers['lambda-runtime-aws-request-id']));
  }).on('error', reject);
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (;;) {
    const id = await next();
    const req = http.request(\`http://\${api}/2018-06-01/runtime/invocation/\${id}/response\`, {
      method: 'POST',
      headers: {
        'Lambda-Runtime-Function-Response-Mode': 'streaming',
        'Content-Type': 'application/vnd.awslambda.http-integration-response',
        'Transfer-Encoding': 'chunked',
      },
    });
    const done = new Promise((resolve) => req.on('response', (r) => { r.resume(); r.on('end', resolve); }));
    req.write(JSON.stringify({ statusCode: 201, headers: { 'content-type': 'text/plain' } }));
    req.write(Buffer.alloc(8));
    req.write('first;');
    await sleep(1500);
    req.write('second;');
    await sleep(500);
    req.end('last');
    await done;
  }
})();
`;

const streamingHandler = `
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'content-type': 'text/plain', 'x-path': event.rawPath },
  });
  stream.write('node-first;');
  await new Promise((r) => setTimeout(r, 1500));
  stream.write('node-second;');
  stream.end('node-last');
});
`;

/** Fetches a streamed answer: its first chunk, the rest, and how long the rest took. */
async function readStream(url: string) {
  const res = await fetch(url);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  const firstAt = Date.now();
  let rest = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    rest += Buffer.from(chunk.value).toString();
  }
  return {
    status: res.status,
    headers: res.headers,
    first: Buffer.from(first.value ?? []).toString(),
    rest,
    gapMs: Date.now() - firstAt,
  };
}

interface Event {
  rawPath: string;
  rawQueryString: string;
  queryStringParameters?: Record<string, string>;
  headers: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded: boolean;
  requestContext: { http: { method: string; path: string }; apiId: string };
}

describe('function URLs through @aws-sdk/client-lambda and fetch (local mode)', () => {
  const name = uniqueName('furl');
  let lamina: LaminaProcess;
  let client: LambdaClient;
  let url: string;

  beforeAll(async () => {
    lamina = await startLamina();
    client = lambdaClient(lamina.url);
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: makeZip({ 'index.js': handler }) },
        Timeout: 30,
      }),
    );
    const out = await client.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: name,
        AuthType: 'NONE',
        Cors: { AllowOrigins: ['https://app.example'], AllowMethods: ['POST'], MaxAge: 60 },
      }),
    );
    url = out.FunctionUrl ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  it('maps method, path, query, headers, cookies and a text body both ways', async () => {
    const res = await fetch(`${url}some/path?a=1&a=2&b=x%20y`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain', 'x-custom': 'v', cookie: 'c1=1; c2=2' },
      body: 'hello text',
    });
    expect(res.status).toBe(207);
    expect(res.headers.get('x-method')).toBe('PUT');
    expect(res.headers.getSetCookie()).toEqual(['one=1; Path=/', 'two=2']);
    const event = (await res.json()) as Event;
    expect(event).toMatchObject({
      rawPath: '/some/path',
      rawQueryString: 'a=1&a=2&b=x%20y',
      queryStringParameters: { a: '1,2', b: 'x y' },
      cookies: ['c1=1', 'c2=2'],
      body: 'hello text',
      isBase64Encoded: false,
      requestContext: { http: { method: 'PUT', path: '/some/path' } },
    });
    expect(event.headers['x-custom']).toBe('v');
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('carries binary bodies base64 both ways, and infers a bare object as JSON', async () => {
    const bytes = Buffer.from([0, 200, 255, 10]);
    const res = await fetch(`${url}echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const event = (await res.json()) as Event;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);

    const bin = await fetch(`${url}binary`);
    expect(bin.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await bin.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 254, 255]));

    const bare = await fetch(`${url}bare`);
    expect(bare.status).toBe(200);
    expect(bare.headers.get('content-type')).toBe('application/json');
    expect(await bare.json()).toEqual({ bare: true });
  });

  it('answers a CORS preflight from Cors and adds CORS headers to answers', async () => {
    const pre = await fetch(`${url}x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(pre.headers.get('access-control-allow-methods')).toBe('POST');
    expect(pre.headers.get('access-control-max-age')).toBe('60');
    const res = await fetch(`${url}x`, { headers: { origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('streams a RESPONSE_STREAM answer: chunks arrive before the function finishes', async () => {
    const streamer = uniqueName('furl-stream');
    const bootstrap = `#!/bin/sh\nexec '${process.execPath}' ./runtime.js\n`;
    await client.send(
      new CreateFunctionCommand({
        FunctionName: streamer,
        Runtime: 'provided.al2023',
        Handler: 'unused',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: makeZip({ bootstrap, 'runtime.js': streamingRuntime }, 0o755) },
        Timeout: 30,
      }),
    );
    const out = await client.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: streamer,
        AuthType: 'NONE',
        InvokeMode: 'RESPONSE_STREAM',
      }),
    );
    const { status, first, rest, gapMs } = await readStream(out.FunctionUrl ?? '');
    expect(status).toBe(201);
    expect(first).toBe('first;');
    // The function wrote for two more seconds after its first chunk reached the client.
    expect(gapMs).toBeGreaterThan(1500);
    expect(rest).toBe('second;last');
  });

  it("streams from Lamina's Node.js runtime: awslambda.streamifyResponse", async () => {
    const streamer = uniqueName('furl-node');
    await client.send(
      new CreateFunctionCommand({
        FunctionName: streamer,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: makeZip({ 'index.js': streamingHandler }) },
        Timeout: 30,
      }),
    );
    const out = await client.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: streamer,
        AuthType: 'NONE',
        InvokeMode: 'RESPONSE_STREAM',
      }),
    );
    const { status, first, rest, gapMs, headers } = await readStream(`${out.FunctionUrl ?? ''}p`);
    expect(status).toBe(200);
    expect(headers.get('x-path')).toBe('/p');
    expect(first).toBe('node-first;');
    expect(gapMs).toBeGreaterThan(1000);
    expect(rest).toBe('node-second;node-last');
  });

  it('serves the API: get, update, list, an alias URL, delete', async () => {
    const got = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    expect(got).toMatchObject({ FunctionUrl: url, AuthType: 'NONE', InvokeMode: 'BUFFERED' });
    const updated = await client.send(
      new UpdateFunctionUrlConfigCommand({ FunctionName: name, InvokeMode: 'RESPONSE_STREAM' }),
    );
    expect(updated.FunctionUrl).toBe(url);
    expect(updated.InvokeMode).toBe('RESPONSE_STREAM');
    expect(updated.Cors?.AllowOrigins).toEqual(['https://app.example']);

    await client.send(new PublishVersionCommand({ FunctionName: name }));
    await client.send(
      new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }),
    );
    const alias = await client.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: name,
        Qualifier: 'live',
        AuthType: 'NONE',
      }),
    );
    expect(alias.FunctionArn).toMatch(/:live$/);
    const viaAlias = await fetch(`${alias.FunctionUrl ?? ''}hi`);
    expect(viaAlias.status).toBe(207);
    await expect(
      client.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: name,
          Qualifier: 'live',
          AuthType: 'NONE',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceConflictException' });
    await expect(
      client.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: name,
          Qualifier: '1',
          AuthType: 'NONE',
        }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });

    const list = await client.send(new ListFunctionUrlConfigsCommand({ FunctionName: name }));
    expect(list.FunctionUrlConfigs?.map((c) => c.FunctionUrl)).toEqual([url, alias.FunctionUrl]);

    await client.send(
      new DeleteFunctionUrlConfigCommand({ FunctionName: name, Qualifier: 'live' }),
    );
    await expect(fetch(alias.FunctionUrl ?? '')).rejects.toThrow();
    await expect(
      client.send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: 'live' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('function URLs across a lamina dev restart', () => {
  it('answers on the same URL after a restart', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lamina-furl-'));
    const name = uniqueName('furl-restart');
    let lamina = await startLamina({ stateDir });
    try {
      let client = lambdaClient(lamina.url);
      await client.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/test',
          Code: { ZipFile: makeZip({ 'index.js': handler }) },
        }),
      );
      const { FunctionUrl } = await client.send(
        new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE' }),
      );
      expect((await fetch(`${FunctionUrl ?? ''}before`)).status).toBe(207);
      client.destroy();
      await lamina.stop();
      lamina = await startLamina({ stateDir });
      client = lambdaClient(lamina.url);
      const got = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
      client.destroy();
      expect(got.FunctionUrl).toBe(FunctionUrl);
      const res = await fetch(`${FunctionUrl ?? ''}after`);
      expect(res.status).toBe(207);
      expect(((await res.json()) as Event).rawPath).toBe('/after');
    } finally {
      await lamina.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

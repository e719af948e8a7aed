import { describe, expect, it } from 'vitest';

import { toUrlResponse } from './url-response.js';
import { fromIntegrationResponse } from './url-stream.js';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('toUrlResponse', () => {
  it('maps a structured answer: status, headers, cookies and body', () => {
    const r = toUrlResponse(
      json({
        statusCode: 201,
        headers: { 'Content-Type': 'text/plain', 'X-Count': 3 },
        cookies: ['a=1; Path=/', 'b=2'],
        body: 'created',
      }),
    );
    expect(r).toEqual({
      statusCode: 201,
      headers: {
        'content-type': 'text/plain',
        'x-count': '3',
        'set-cookie': ['a=1; Path=/', 'b=2'],
      },
      body: Buffer.from('created'),
    });
  });

  it('decodes a base64 body', () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const r = toUrlResponse(
      json({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true }),
    );
    expect(r?.body).toEqual(bytes);
    expect(r?.headers['content-type']).toBe('application/json');
  });

  it('infers 200 application/json for an object without statusCode', () => {
    const payload = json({ hello: 'world' });
    expect(toUrlResponse(payload)).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
  });

  it('sends a bare string as the body', () => {
    expect(toUrlResponse(json('Hello from Lambda!'))?.body.toString()).toBe('Hello from Lambda!');
  });

  it('answers an empty body for an empty payload', () => {
    expect(toUrlResponse(Buffer.alloc(0))?.body.length).toBe(0);
  });

  it('refuses what Lambda answers with 502', () => {
    expect(toUrlResponse(Buffer.from('not json'))).toBeUndefined();
    expect(toUrlResponse(json({ statusCode: 'x' }))).toBeUndefined();
    expect(toUrlResponse(json({ statusCode: 99 }))).toBeUndefined();
    expect(toUrlResponse(json({ statusCode: 200, body: { a: 1 } }))).toBeUndefined();
    expect(toUrlResponse(json({ statusCode: 200, headers: { a: ['x'] } }))).toBeUndefined();
    expect(toUrlResponse(json({ statusCode: 200, cookies: [1] }))).toBeUndefined();
  });
});

describe('fromIntegrationResponse', () => {
  it('splits the prelude from the streamed body', () => {
    const payload = Buffer.concat([
      json({ statusCode: 202, headers: { 'content-type': 'text/plain' }, cookies: ['c=1'] }),
      Buffer.alloc(8),
      Buffer.from('chunk1chunk2'),
    ]);
    expect(fromIntegrationResponse(payload)).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'text/plain', 'set-cookie': ['c=1'] },
      body: Buffer.from('chunk1chunk2'),
    });
  });

  it('refuses a payload without the delimiter or with a bad prelude', () => {
    expect(fromIntegrationResponse(Buffer.from('{}'))).toBeUndefined();
    expect(
      fromIntegrationResponse(Buffer.concat([Buffer.from('nope'), Buffer.alloc(8)])),
    ).toBeUndefined();
  });
});

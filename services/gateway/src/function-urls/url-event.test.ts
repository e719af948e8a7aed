import { describe, expect, it } from 'vitest';

import { isTextContentType, queryParameters, requestTime, toUrlEvent } from './url-event.js';

const ctx = {
  urlId: 'abc123',
  accountId: '000000000000',
  domainName: 'abc123.lambda-url.us-east-1.localhost',
  requestId: 'req-1',
  nowMs: Date.UTC(2020, 2, 12, 19, 3, 58, 390),
};

const request = (over: Partial<Parameters<typeof toUrlEvent>[0]> = {}) => ({
  method: 'post',
  url: '/my/path?parameter1=value1&parameter1=value2&parameter2=a%20b',
  rawHeaders: [
    'Content-Type',
    'application/json',
    'X-Multi',
    'one',
    'x-multi',
    'two',
    'Cookie',
    'a=1; b=2',
    'User-Agent',
    'curl/8',
  ],
  httpVersion: '1.1',
  sourceIp: '127.0.0.1',
  body: Buffer.from('{"hello":"world"}'),
  ...over,
});

describe('toUrlEvent', () => {
  it('maps a request to the payload format 2.0 event', () => {
    const event = toUrlEvent(request(), ctx);
    expect(event).toEqual({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/my/path',
      rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=a%20b',
      cookies: ['a=1', 'b=2'],
      headers: {
        'content-type': 'application/json',
        'x-multi': 'one,two',
        'user-agent': 'curl/8',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
      },
      queryStringParameters: { parameter1: 'value1,value2', parameter2: 'a b' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'abc123',
        domainName: 'abc123.lambda-url.us-east-1.localhost',
        domainPrefix: 'abc123',
        http: {
          method: 'POST',
          path: '/my/path',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        requestId: 'req-1',
        routeKey: '$default',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: ctx.nowMs,
      },
      body: '{"hello":"world"}',
      isBase64Encoded: false,
    });
  });

  it('leaves out the query, cookies and body when there are none', () => {
    const event = toUrlEvent(
      request({ method: 'GET', url: '/', rawHeaders: [], body: Buffer.alloc(0) }),
      ctx,
    );
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('body');
    expect(event['rawQueryString']).toBe('');
    expect(event['isBase64Encoded']).toBe(false);
  });

  it('base64-encodes a binary body', () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const event = toUrlEvent(
      request({ rawHeaders: ['Content-Type', 'application/octet-stream'], body: bytes }),
      ctx,
    );
    expect(event['isBase64Encoded']).toBe(true);
    expect(Buffer.from(event['body'] as string, 'base64')).toEqual(bytes);
  });
});

describe('the helpers', () => {
  it('tells text content types from binary ones', () => {
    for (const t of [
      'text/plain',
      'application/json; charset=utf-8',
      'application/vnd.x+json',
      'application/xml',
    ])
      expect(isTextContentType(t)).toBe(true);
    for (const t of ['application/octet-stream', 'image/png', 'application/pdf'])
      expect(isTextContentType(t)).toBe(false);
  });

  it('comma-joins repeated query parameters and decodes them', () => {
    expect(queryParameters('a=1&a=2&b&c=x%2Cy&d=1+2')).toEqual({
      a: '1,2',
      b: '',
      c: 'x,y',
      d: '1 2',
    });
  });

  it('formats the request time as Lambda does', () => {
    expect(requestTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('02/Jan/2026:03:04:05 +0000');
  });
});

import { describe, expect, it } from 'vitest';

import { headerLines, knownHeaderNames } from './http-head.js';

const KNOWN = knownHeaderNames(['Content-Length', 'Lambda-Runtime-Aws-Request-Id']);

describe('headerLines', () => {
  it('reads the lines after the first, lower-casing names and trimming blanks', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-Other:\t a b \t\r\n  Spaced-Name  : v';
    expect(headerLines(head, head.indexOf('\r\n'), KNOWN)).toEqual({
      'content-length': '12',
      'x-other': 'a b',
      'spaced-name': 'v',
    });
  });

  it('uses the known lower-case form and lets a later line of the same name win', () => {
    const head =
      'GET / HTTP/1.1\r\nLambda-Runtime-Aws-Request-Id: a\r\nLAMBDA-RUNTIME-AWS-REQUEST-ID: b';
    expect(headerLines(head, head.indexOf('\r\n'), KNOWN)).toEqual({
      'lambda-runtime-aws-request-id': 'b',
    });
  });

  it('skips lines without a name before the colon or without a colon', () => {
    const head = 'GET / HTTP/1.1\r\n: nameless\r\nno colon here\r\nok: 1\r\n';
    expect(headerLines(head, head.indexOf('\r\n'), KNOWN)).toEqual({ ok: '1' });
  });

  it('reads nothing when the head is only its first line', () => {
    expect(headerLines('HTTP/1.1 204 No Content', -1, KNOWN)).toEqual({});
  });

  it('keeps an empty value', () => {
    const head = 'GET / HTTP/1.1\r\nX-Empty:   ';
    expect(headerLines(head, head.indexOf('\r\n'), KNOWN)).toEqual({ 'x-empty': '' });
  });
});

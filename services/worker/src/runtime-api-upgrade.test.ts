import { describe, expect, it } from 'vitest';

import { answerHead } from './runtime-api-upgrade.js';

describe('answerHead', () => {
  it('writes the status line, Content-Length and each pair on its own line', () => {
    expect(answerHead(202, 15, ['Content-Type', 'application/json'])).toBe(
      'HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\nContent-Type: application/json\r\n\r\n',
    );
  });

  it('never lets a value split a line', () => {
    const head = answerHead(200, 0, ['Lambda-Runtime-Client-Context', 'a\r\nX-Evil: 1\nb\rc']);
    expect(head).toBe(
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nLambda-Runtime-Client-Context: a  X-Evil: 1 b c\r\n\r\n',
    );
  });
});

import { describe, expect, it } from 'vitest';

import { codeToken, isValidCodeToken } from './code-token.js';

const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);

describe('code tokens', () => {
  it('are stable per secret and hex, and differ across hexes and secrets', () => {
    expect(codeToken('s', HEX_A)).toBe(codeToken('s', HEX_A));
    expect(codeToken('s', HEX_A)).toMatch(/^[0-9a-f]{64}$/);
    expect(codeToken('s', HEX_A)).not.toBe(codeToken('s', HEX_B));
    expect(codeToken('s', HEX_A)).not.toBe(codeToken('t', HEX_A));
  });

  it('validate only the token of that hex under that secret', () => {
    const token = codeToken('s', HEX_A);
    expect(isValidCodeToken('s', HEX_A, token)).toBe(true);
    expect(isValidCodeToken('s', HEX_B, token)).toBe(false);
    expect(isValidCodeToken('t', HEX_A, token)).toBe(false);
    expect(isValidCodeToken('s', HEX_A, '')).toBe(false);
    expect(isValidCodeToken('s', HEX_A, token.slice(1))).toBe(false);
  });
});

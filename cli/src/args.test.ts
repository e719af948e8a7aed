import { describe, expect, it } from 'vitest';

import { flag, parseArgs } from './args.js';

describe('parseArgs', () => {
  it('splits command, positionals, flags and switches', () => {
    const a = parseArgs(
      ['invoke', 'hello', '--payload', '{"a":1}', '--tail', '--port=9100'],
      new Set(['tail']),
    );
    expect(a.command).toBe('invoke');
    expect(a.positional).toEqual(['hello']);
    expect(flag(a, 'payload')).toBe('{"a":1}');
    expect(flag(a, 'port')).toBe('9100');
    expect(a.flags.get('tail')).toBe(true);
  });

  it('refuses a flag without its value', () => {
    expect(() => parseArgs(['dev', '--functions'], new Set())).toThrow(/needs a value/);
  });
});

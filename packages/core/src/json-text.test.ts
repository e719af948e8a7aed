import { describe, expect, it } from 'vitest';

import { isJsonText } from './json-text.js';

/** What the invoke path accepted before the scanner: JSON.parse of the UTF-8 decoded body. */
function parses(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

const agrees = (text: string | Buffer): void => {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  expect(isJsonText(bytes), JSON.stringify(bytes.toString('latin1'))).toBe(parses(bytes));
};

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  ' ',
  '\n',
  '\t',
  '\r',
  '"',
  '\\',
  '"a"',
  '"k":',
  '0',
  '-',
  '1',
  '12',
  '.',
  '5',
  'e',
  'E',
  '+',
  'true',
  'false',
  'null',
  'tru',
  'nul',
  '\\u00e9',
  '\\u12',
  '\\n',
  '\\x',
  'é',
  '\u2028',
  '\u0001',
  '\u007f',
  '\ufeff',
  '"\\"',
  'NaN',
  'Infinity',
  '01',
  '-0',
  '1e5',
  '.5',
  '[]',
  '{}',
  '"\\/"',
];

describe('isJsonText', () => {
  it('accepts what JSON.parse accepts: values, whitespace, escapes, numbers, nesting', () => {
    for (const t of [
      '{}',
      '[]',
      '0',
      '-0',
      '1.5e-3',
      '-12E+4',
      '"x"',
      'true',
      'false',
      'null',
      ' \n\t\r{} ',
      '{"a":[1,{"b":null}],"c":"\\u00e9\\n\\"\\\\\\/\\b\\f\\r\\t"}',
      '[[[[[]]]]]',
      '"é€😀"',
      '{"a":1,"a":2}',
      '[1,[2,[3,{"x":[]}]]]',
      '"\\ud800"',
      '"\u2028\u007f"',
    ]) {
      expect(isJsonText(Buffer.from(t)), t).toBe(true);
      agrees(t);
    }
  });

  it('refuses what JSON.parse refuses', () => {
    for (const t of [
      '',
      ' ',
      '{',
      '}',
      '[',
      '[1,]',
      '{"a":1,}',
      '{,}',
      '[,1]',
      '{"a"}',
      '{"a":}',
      '{a:1}',
      "{'a':1}",
      '01',
      '1.',
      '.5',
      '+1',
      '-',
      '1e',
      '1e+',
      '0x10',
      'NaN',
      'Infinity',
      'tru',
      'nulll',
      'true false',
      '{}{}',
      '[1 2]',
      '"a',
      '"\\x"',
      '"\\u12"',
      '"\\u12g4"',
      '"a\nb"',
      '"\u0000"',
      '\ufeff{}',
      '{"a":1]',
      '[1}',
      '{"a" 1}',
      '"\\',
      '[1,2',
      '{"a":[}',
    ]) {
      expect(isJsonText(Buffer.from(t)), t).toBe(false);
      agrees(t);
    }
  });

  it('treats bytes that are not UTF-8 as the decode does: fine in strings, not outside', () => {
    agrees(Buffer.from([0x22, 0xff, 0xc3, 0x22]));
    agrees(Buffer.from([0x22, 0xc3, 0x28, 0x22]));
    agrees(Buffer.from([0x5b, 0xff, 0x5d]));
    agrees(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]));
    expect(isJsonText(Buffer.from([0x22, 0xff, 0x22]))).toBe(true);
  });

  it('handles nesting far deeper than its first stack', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(isJsonText(Buffer.from(deep))).toBe(true);
    expect(isJsonText(Buffer.from(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`))).toBe(true);
    expect(isJsonText(Buffer.from('['.repeat(10_000) + ']'.repeat(9_999)))).toBe(false);
    // JSON.parse is not recursive either: a million levels parse, so they must scan.
    agrees('['.repeat(1_000_000) + ']'.repeat(1_000_000));
  });

  it('agrees with JSON.parse on 20,000 random texts built from JSON pieces', () => {
    const random = rng(20_2612_07);
    for (let n = 0; n < 20_000; n++) {
      const len = 1 + Math.floor(random() * 12);
      let t = '';
      for (let k = 0; k < len; k++) t += PIECES[Math.floor(random() * PIECES.length)] ?? '';
      agrees(t);
    }
  });

  it('agrees with JSON.parse on valid texts with one byte changed, dropped or repeated', () => {
    const random = rng(7);
    const base = Buffer.from(
      JSON.stringify({
        records: { 't-0': [{ offset: 1, value: 'eyJ9', h: [{ k: [1, 2] }] }] },
        n: -1.5e3,
        ok: true,
        no: null,
        s: 'é\n"',
      }),
    );
    for (let n = 0; n < 20_000; n++) {
      const at = Math.floor(random() * base.length);
      const byte = Math.floor(random() * 256);
      const kind = n % 3;
      const mutated =
        kind === 0
          ? Buffer.concat([base.subarray(0, at), Buffer.from([byte]), base.subarray(at + 1)])
          : kind === 1
            ? Buffer.concat([base.subarray(0, at), base.subarray(at + 1)])
            : Buffer.concat([base.subarray(0, at + 1), base.subarray(at)]);
      agrees(mutated);
    }
  });
});

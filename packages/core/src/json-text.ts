/**
 * Whether bytes are one JSON text, without building any value (ADR 0050): the invoke path only
 * has to refuse a body that is not JSON, and `JSON.parse(body.toString())` of a 250 KB Kafka
 * batch spent most of its time decoding the body into a string and building the objects and
 * strings nobody reads.
 *
 * Invariants: `isJsonText(b)` is true exactly when `JSON.parse(b.toString('utf8'))` does not
 * throw (a differential test holds it to that). Bytes ≥ 0x80 are accepted inside strings only,
 * as that decode turns any of them (valid UTF-8 or not) into a character JSON allows in a string
 * and none JSON allows outside one. Nesting is tracked in an explicit stack, so depth costs
 * memory, not recursion.
 */

// Byte classes of the scanner.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const isDigit = (b: number): boolean => b >= ZERO && b <= NINE;
const isHex = (b: number): boolean =>
  isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

/** `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` (and `\u`, which needs four hex digits). */
const SIMPLE_ESCAPE = new Uint8Array(128);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

/** Bytes that end a string's plain run: control characters, `"` and `\`. */
const STRING_STOP = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) STRING_STOP[b] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

/** The index after the string that starts at `i` (its opening quote), or -1. */
function skipString(s: Uint8Array, i: number): number {
  const n = s.length;
  let j = i + 1;
  for (;;) {
    while (j < n && STRING_STOP[s[j] ?? 0x22] === 0) j++;
    if (j >= n) return -1;
    const b = s[j] ?? -1;
    if (b === QUOTE) return j + 1;
    if (b === BACKSLASH) {
      const e = s[j + 1] ?? -1;
      if (e === 0x75) {
        if (j + 5 >= n) return -1;
        for (let k = j + 2; k < j + 6; k++) if (!isHex(s[k] ?? -1)) return -1;
        j += 6;
        continue;
      }
      if (e < 0 || e >= 128 || SIMPLE_ESCAPE[e] !== 1) return -1;
      j += 2;
      continue;
    }
    return -1;
  }
}

/** The index after the number that starts at `i`, or -1 (JSON's grammar: no `+`, no leading 0s). */
function skipNumber(s: Uint8Array, i: number): number {
  const n = s.length;
  let j = i;
  if (s[j] === MINUS) j++;
  if (j >= n) return -1;
  if (s[j] === ZERO) {
    j++;
  } else if (isDigit(s[j] ?? -1)) {
    while (j < n && isDigit(s[j] ?? -1)) j++;
  } else {
    return -1;
  }
  if (j < n && s[j] === DOT) {
    j++;
    if (j >= n || !isDigit(s[j] ?? -1)) return -1;
    while (j < n && isDigit(s[j] ?? -1)) j++;
  }
  if (j < n && (s[j] === 0x65 || s[j] === 0x45)) {
    j++;
    if (j < n && (s[j] === PLUS || s[j] === MINUS)) j++;
    if (j >= n || !isDigit(s[j] ?? -1)) return -1;
    while (j < n && isDigit(s[j] ?? -1)) j++;
  }
  return j;
}

/** The index after `word` if it is at `i`, else -1. */
function skipWord(s: Uint8Array, i: number, word: string): number {
  if (i + word.length > s.length) return -1;
  for (let k = 0; k < word.length; k++) if (s[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** The index after the scalar (string, number, literal) that starts at `i`, or -1. */
function skipScalar(s: Uint8Array, i: number): number {
  const b = s[i] ?? -1;
  if (b === QUOTE) return skipString(s, i);
  if (b === 0x74) return skipWord(s, i, 'true');
  if (b === 0x66) return skipWord(s, i, 'false');
  if (b === 0x6e) return skipWord(s, i, 'null');
  return skipNumber(s, i);
}

const skipSpace = (s: Uint8Array, i: number): number => {
  let j = i;
  while (j < s.length && isSpace(s[j] ?? -1)) j++;
  return j;
};

/** True when `bytes` (UTF-8) are exactly one JSON value with optional whitespace around it. */
export function isJsonText(bytes: Uint8Array): boolean {
  const s = bytes;
  const n = s.length;
  // Open containers, innermost last: 1 = object, 2 = array; grows when a text nests deeper.
  let stack = new Uint8Array(64);
  let depth = 0;
  let i = skipSpace(s, 0);
  // A value is expected at i (the start, after `[`, `,` or `:`).
  for (;;) {
    if (i >= n) return false;
    const b = s[i] ?? -1;
    if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (depth === stack.length) {
        const deeper = new Uint8Array(depth * 2);
        deeper.set(stack);
        stack = deeper;
      }
      stack[depth++] = b === OPEN_OBJECT ? 1 : 2;
      i = skipSpace(s, i + 1);
      if (i >= n) return false;
      const c = s[i] ?? -1;
      if (b === OPEN_OBJECT) {
        if (c === CLOSE_OBJECT) {
          depth--;
          i++;
        } else {
          // A member: its key, a colon, then its value.
          if (c !== QUOTE) return false;
          i = skipString(s, i);
          if (i < 0) return false;
          i = skipSpace(s, i);
          if (s[i] !== COLON) return false;
          i = skipSpace(s, i + 1);
          continue;
        }
      } else if (c === CLOSE_ARRAY) {
        depth--;
        i++;
      } else {
        continue;
      }
    } else {
      i = skipScalar(s, i);
      if (i < 0) return false;
    }
    // After a value: close containers, or a comma and the next value (or member).
    for (;;) {
      i = skipSpace(s, i);
      if (depth === 0) return i === n;
      if (i >= n) return false;
      const c = s[i] ?? -1;
      const inObject = stack[depth - 1] === 1;
      if (c === COMMA) {
        i = skipSpace(s, i + 1);
        if (inObject) {
          if (s[i] !== QUOTE) return false;
          i = skipString(s, i);
          if (i < 0) return false;
          i = skipSpace(s, i);
          if (s[i] !== COLON) return false;
          i = skipSpace(s, i + 1);
        }
        break;
      }
      if (c === (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        depth--;
        i++;
        continue;
      }
      return false;
    }
  }
}

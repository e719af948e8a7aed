/**
 * Lambda's self-managed Kafka event written straight into its body Buffer (ADR 0027, ADR 0044,
 * ADR 0054, ADR 0058): no object per record, no JSON.stringify, no fragment strings joined and
 * copied again. One pass sizes the body from the records' byte lengths, a second writes each
 * piece at its place: the fixed text copied (memcpy) from bytes made once per process or batch,
 * offsets, timestamps and base64 written byte by byte (native base64 for long values), the topic
 * and header names (any text) as UTF-8.
 *
 * Invariant: `encodeKafkaEvent(b)` is byte for byte `JSON.stringify(kafkaEvent(b))` (the test
 * checks it), so the function sees the same event either way. Pure.
 */
import type { KafkaBatchInput, KafkaRecordInput } from './event-source-mapping-kafka.js';

const num = (s: string): string => {
  const n = Number(s);
  return Number.isFinite(n) ? String(n) : 'null';
};

/** The longest text `num` returns (a finite double's shortest form, e.g. -1.2345678901234567e+308). */
const MAX_NUM_CHARS = 24;

const bytes = (v: Buffer | string): string =>
  `[${(typeof v === 'string' ? Buffer.from(v) : v).join(',')}]`;

/** Headers as Lambda gives them: one `{name: [bytes…]}` per value, names in insertion order. */
function headersJson(headers: KafkaRecordInput['headers']): string {
  if (headers === undefined) return '[]';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const name = JSON.stringify(k);
    for (const x of Array.isArray(v) ? v : [v]) parts.push(`{${name}:${bytes(x)}}`);
  }
  return parts.length === 0 ? '[]' : `[${parts.join(',')}]`;
}

const base64Chars = (b: Buffer): number => 4 * Math.ceil(b.length / 3);

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const ALPHABET = latin1('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
/**
 * The fixed text of a record between its variable pieces, merged so each stretch is one copy:
 * a value's closing quote goes with the headers after it, a key's closing quote with the
 * value's opening one, the comma between records with the next record's head (ADR 0058).
 */
const AFTER_OFFSET = latin1(',"timestamp":');
const KEY = latin1(',"timestampType":"CREATE_TIME","key":"');
const NO_KEY_VALUE = latin1(',"timestampType":"CREATE_TIME","value":"');
const NO_KEY_NULL_VALUE = latin1(',"timestampType":"CREATE_TIME","value":null');
const KEY_VALUE = latin1('","value":"');
const KEY_NULL_VALUE = latin1('","value":null');
const VALUE_END_NO_HEADERS = latin1('","headers":[]}');
const VALUE_END_HEADERS = latin1('","headers":');
const NO_HEADERS = latin1(',"headers":[]}');
const HEADERS = latin1(',"headers":');
/** Per record, at most: the fixed text around the pieces, quotes and separators included. */
const FIXED_CHARS =
  AFTER_OFFSET.length +
  NO_KEY_NULL_VALUE.length +
  KEY_NULL_VALUE.length +
  VALUE_END_NO_HEADERS.length +
  2;

/**
 * Copies `src` into `out` at `o`; returns the offset after it. TypedArray `set` (V8's memcpy
 * builtin): for bench/kafka's 10–60-byte pieces 2–4× less CPU than a byte loop (ADR 0058).
 */
function copyInto(src: Uint8Array, out: Buffer, o: number): number {
  out.set(src, o);
  return o + src.length;
}

/**
 * Values up to this size are written to base64 by `base64Into` in place; longer ones through
 * Node's native encoder (a string, then copied), whose speed wins once the call's fixed cost is
 * spread over enough bytes (measured: bench/kafka's 82-byte values cost ~3× less in place).
 */
const IN_PLACE_BASE64_MAX = 1024;

/** Writes `src` as base64 (with padding) into `out` at `o`; returns the offset after it. */
function base64Into(src: Buffer, out: Buffer, o: number): number {
  const n = src.length;
  if (n > IN_PLACE_BASE64_MAX) return o + out.write(src.toString('base64'), o, 'latin1');
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = ((src[i] ?? 0) << 16) | ((src[i + 1] ?? 0) << 8) | (src[i + 2] ?? 0);
    out[o] = ALPHABET[v >>> 18] ?? 0;
    out[o + 1] = ALPHABET[(v >>> 12) & 63] ?? 0;
    out[o + 2] = ALPHABET[(v >>> 6) & 63] ?? 0;
    out[o + 3] = ALPHABET[v & 63] ?? 0;
    o += 4;
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = ((src[i] ?? 0) << 16) | (two ? (src[i + 1] ?? 0) << 8 : 0);
    out[o] = ALPHABET[v >>> 18] ?? 0;
    out[o + 1] = ALPHABET[(v >>> 12) & 63] ?? 0;
    out[o + 2] = two ? (ALPHABET[(v >>> 6) & 63] ?? 0) : 0x3d; // =
    out[o + 3] = 0x3d;
    o += 4;
  }
  return o;
}

/**
 * Writes the JSON number of a record's offset or timestamp: a plain decimal of at most 15 digits
 * (what Kafka's offsets and millisecond timestamps are) is its own JSON text, byte for byte what
 * `String(Number(s))` gives (below 2^53, no leading zero); anything else goes through `num`.
 */
function numberInto(s: string, out: Buffer, o: number): number {
  const n = s.length;
  if (n > 0 && n <= 15 && (n === 1 || s.charCodeAt(0) !== 0x30)) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      out[o + i] = c;
    }
    if (i === n) return o + n;
  }
  return o + out.write(num(s), o, 'latin1');
}

const hasHeaders = (headers: KafkaRecordInput['headers']): boolean => {
  for (const k in headers) if (headers[k] !== undefined) return true;
  return false;
};

/**
 * The event of one partition's records as a UTF-8 body. Key order as `kafkaEvent`: topic,
 * partition, offset, timestamp, timestampType, key?, value, headers. Per record it writes bytes
 * into the body in place (four or five copies of fixed text, digits and base64 written byte by
 * byte): no string per record unless it has headers (ADR 0054, ADR 0058).
 */
export function encodeKafkaEvent(b: KafkaBatchInput): Buffer {
  const prefix =
    `{"eventSource":"SelfManagedKafka","bootstrapServers":${JSON.stringify(b.bootstrapServers.join(','))},` +
    `"records":{${JSON.stringify(`${b.topic}-${b.partition}`)}:[`;
  const headText = `{"topic":${JSON.stringify(b.topic)},"partition":${b.partition},"offset":`;
  // The first record's head, and every later one's with the comma before it.
  const first = Buffer.from(headText, 'utf8');
  const next = Buffer.from(`,${headText}`, 'utf8');
  const { records } = b;
  // Pass 1: an upper bound of the size, and the headers of the records that have any (the only
  // per-record text that is not ASCII by construction).
  const headers: (string | undefined)[] = new Array<string | undefined>(records.length);
  let size = Buffer.byteLength(prefix) + 3;
  let i = 0;
  for (const r of records) {
    size += next.length + FIXED_CHARS + 2 * MAX_NUM_CHARS;
    if (r.headers !== undefined && hasHeaders(r.headers)) {
      const h = (headers[i] = headersJson(r.headers));
      size += Buffer.byteLength(h);
    }
    if (r.key !== null) size += base64Chars(r.key);
    if (r.value !== null) size += base64Chars(r.value);
    i++;
  }
  // Pass 2: every piece written where it goes.
  const out = Buffer.allocUnsafe(size);
  let o = out.write(prefix, 0, 'utf8');
  i = 0;
  for (const r of records) {
    o = copyInto(i === 0 ? first : next, out, o);
    o = numberInto(r.offset, out, o);
    o = copyInto(AFTER_OFFSET, out, o);
    o = numberInto(r.timestamp, out, o);
    const { key, value } = r;
    if (key !== null) {
      o = copyInto(KEY, out, o);
      o = base64Into(key, out, o);
      o = copyInto(value === null ? KEY_NULL_VALUE : KEY_VALUE, out, o);
    } else o = copyInto(value === null ? NO_KEY_NULL_VALUE : NO_KEY_VALUE, out, o);
    const h = headers[i];
    if (value !== null) {
      o = base64Into(value, out, o);
      if (h === undefined) o = copyInto(VALUE_END_NO_HEADERS, out, o);
      else o = copyInto(VALUE_END_HEADERS, out, o);
    } else if (h === undefined) o = copyInto(NO_HEADERS, out, o);
    else o = copyInto(HEADERS, out, o);
    if (h !== undefined) {
      o += out.write(h, o, 'utf8');
      out[o++] = 0x7d; // }
    }
    i++;
  }
  out.write(']}}', o, 'latin1');
  return out.subarray(0, o + 3);
}

/**
 * Lambda's self-managed Kafka event written straight into its body Buffer (ADR 0027, ADR 0044):
 * no object per record, no JSON.stringify, no fragment strings joined and copied again. One pass
 * sizes the body from the records' byte lengths, a second writes each piece at its place: the
 * fixed text and the numbers and base64 (ASCII) as latin1, the topic and header names (any
 * text) as UTF-8.
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

const TIMESTAMP = ',"timestamp":';
const TYPE = ',"timestampType":"CREATE_TIME",';
const KEY = '"key":"';
const VALUE = '"value":';
const HEADERS = ',"headers":';
/** Per record: the fixed text around the pieces, quotes and separators included. */
const FIXED_CHARS =
  TIMESTAMP.length + TYPE.length + KEY.length + 2 + VALUE.length + 4 + HEADERS.length + 2;

/**
 * The event of one partition's records as a UTF-8 body. Key order as `kafkaEvent`: topic,
 * partition, offset, timestamp, timestampType, key?, value, headers.
 */
export function encodeKafkaEvent(b: KafkaBatchInput): Buffer {
  const prefix =
    `{"eventSource":"SelfManagedKafka","bootstrapServers":${JSON.stringify(b.bootstrapServers.join(','))},` +
    `"records":{${JSON.stringify(`${b.topic}-${b.partition}`)}:[`;
  const head = `{"topic":${JSON.stringify(b.topic)},"partition":${b.partition},"offset":`;
  const headBytes = Buffer.byteLength(head);
  const { records } = b;
  // Pass 1: an upper bound of the size, and each record's headers (the only per-record text
  // that is not ASCII by construction).
  const headers: string[] = new Array<string>(records.length);
  let size = Buffer.byteLength(prefix) + 3 + records.length;
  for (const [i, r] of records.entries()) {
    const h = (headers[i] = headersJson(r.headers));
    size += headBytes + FIXED_CHARS + 2 * MAX_NUM_CHARS + Buffer.byteLength(h);
    if (r.key !== null) size += base64Chars(r.key);
    if (r.value !== null) size += base64Chars(r.value);
  }
  // Pass 2: every piece written where it goes.
  const out = Buffer.allocUnsafe(size);
  let o = out.write(prefix, 0, 'utf8');
  const ascii = (s: string): void => {
    o += out.write(s, o, 'latin1');
  };
  for (const [i, r] of records.entries()) {
    if (i > 0) out[o++] = 0x2c; // ,
    o += out.write(head, o, 'utf8');
    ascii(num(r.offset));
    ascii(TIMESTAMP);
    ascii(num(r.timestamp));
    ascii(TYPE);
    if (r.key !== null) {
      ascii(KEY);
      ascii(r.key.toString('base64'));
      ascii('",');
    }
    ascii(VALUE);
    if (r.value === null) ascii('null');
    else {
      out[o++] = 0x22; // "
      ascii(r.value.toString('base64'));
      out[o++] = 0x22;
    }
    ascii(HEADERS);
    o += out.write(headers[i] ?? '[]', o, 'utf8');
    out[o++] = 0x7d; // }
  }
  ascii(']}}');
  return out.subarray(0, o);
}

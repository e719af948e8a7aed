/**
 * Lambda's self-managed Kafka event written straight to JSON text (ADR 0027): the poller's hot
 * path encodes each record once (its fragment is reused when a batch is retried or bisected)
 * and joins the fragments into one body, instead of building an object per record, a second
 * array per header and serialising the lot with JSON.stringify on every attempt.
 *
 * Invariant: `encodeKafkaEvent(b)` is byte for byte `JSON.stringify(kafkaEvent(b))` (the test
 * checks it), so the function sees the same event either way. Pure.
 */
import type { KafkaBatchInput, KafkaRecordInput } from './event-source-mapping-kafka.js';

const num = (s: string): string => {
  const n = Number(s);
  return Number.isFinite(n) ? String(n) : 'null';
};

const bytes = (v: Buffer | string): string =>
  `[${(typeof v === 'string' ? Buffer.from(v) : v).join(',')}]`;

function headersJson(headers: KafkaRecordInput['headers']): string {
  if (headers === undefined) return '[]';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const name = JSON.stringify(k);
    for (const x of Array.isArray(v) ? v : [v]) parts.push(`{${name}:${bytes(x)}}`);
  }
  return `[${parts.join(',')}]`;
}

/**
 * One record's JSON in the event; `topicJson` is `JSON.stringify(topic)`. Key order as
 * `kafkaEvent`: topic, partition, offset, timestamp, timestampType, key?, value, headers.
 */
export function kafkaRecordJson(topicJson: string, partition: number, r: KafkaRecordInput): string {
  const key = r.key === null ? '' : `"key":"${r.key.toString('base64')}",`;
  const value = r.value === null ? 'null' : `"${r.value.toString('base64')}"`;
  return (
    `{"topic":${topicJson},"partition":${partition},"offset":${num(r.offset)},` +
    `"timestamp":${num(r.timestamp)},"timestampType":"CREATE_TIME",${key}"value":${value},` +
    `"headers":${headersJson(r.headers)}}`
  );
}

/**
 * The event of one partition's records as a UTF-8 body. `fragment` returns a record's JSON
 * (default: `kafkaRecordJson`); a caller that may send a record twice passes a memoised one.
 */
export function encodeKafkaEvent(
  b: KafkaBatchInput,
  fragment?: (r: KafkaRecordInput) => string,
): Buffer {
  const topicJson = JSON.stringify(b.topic);
  const one = fragment ?? ((r: KafkaRecordInput) => kafkaRecordJson(topicJson, b.partition, r));
  const records = b.records.map(one);
  return Buffer.from(
    `{"eventSource":"SelfManagedKafka","bootstrapServers":${JSON.stringify(b.bootstrapServers.join(','))},` +
      `"records":{${JSON.stringify(`${b.topic}-${b.partition}`)}:[${records.join(',')}]}}`,
    'utf8',
  );
}

import { describe, expect, it } from 'vitest';

import { type KafkaBatchInput, kafkaEvent } from './event-source-mapping-kafka.js';
import { encodeKafkaEvent } from './kafka-event-encoder.js';

const batch: KafkaBatchInput = {
  topic: 'orders"\\ü',
  partition: 3,
  bootstrapServers: ['a:9092', 'b:9092'],
  records: [
    {
      offset: '17',
      timestamp: '1700000000000',
      key: Buffer.from('k1'),
      value: Buffer.from('{"id":1}'),
      headers: { h: Buffer.from([0, 255]), multi: ['x', Buffer.from('y')], gone: undefined },
    },
    { offset: '18', timestamp: '1700000000001', key: null, value: null },
    { offset: '9007199254740993', timestamp: 'n/a', key: Buffer.alloc(0), value: Buffer.alloc(3) },
  ],
};

describe('encodeKafkaEvent', () => {
  it('writes exactly the JSON of kafkaEvent', () => {
    expect(encodeKafkaEvent(batch).toString('utf8')).toBe(JSON.stringify(kafkaEvent(batch)));
    const empty = { ...batch, records: [] };
    expect(encodeKafkaEvent(empty).toString('utf8')).toBe(JSON.stringify(kafkaEvent(empty)));
  });

  it('sizes the body right for every base64 remainder, empty parts and non-ASCII names', () => {
    const records = Array.from({ length: 40 }, (_, i) => ({
      offset: String(1000 + i),
      timestamp: String(1_700_000_000_000 + i),
      key: i % 7 === 0 ? null : Buffer.from('k'.repeat(i % 5)),
      value: i % 11 === 0 ? null : Buffer.from('v€'.repeat(i % 4)),
      headers: i % 3 === 0 ? { 'trace-ü': 'a', 'x\u2028y': [Buffer.from([1]), 'é'] } : {},
    }));
    const b: KafkaBatchInput = { topic: 'öt', partition: 0, bootstrapServers: ['h:1'], records };
    const body = encodeKafkaEvent(b);
    expect(body.toString('utf8')).toBe(JSON.stringify(kafkaEvent(b)));
    expect(body.length).toBe(Buffer.byteLength(JSON.stringify(kafkaEvent(b))));
  });
});

import { describe, expect, it } from 'vitest';

import { type KafkaBatchInput, kafkaEvent } from './event-source-mapping-kafka.js';
import { encodeKafkaEvent, kafkaRecordJson } from './kafka-event-encoder.js';

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

  it('takes each record from the given fragment function', () => {
    const seen: string[] = [];
    const topicJson = JSON.stringify(batch.topic);
    const body = encodeKafkaEvent(batch, (r) => {
      seen.push(r.offset);
      return kafkaRecordJson(topicJson, batch.partition, r);
    });
    expect(seen).toEqual(['17', '18', '9007199254740993']);
    expect(body.toString('utf8')).toBe(JSON.stringify(kafkaEvent(batch)));
  });
});

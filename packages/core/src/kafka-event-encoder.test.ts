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

describe('encodeKafkaEvent in place (ADR 0054)', () => {
  const record = (offset: string, timestamp: string, value: Buffer | null, key: Buffer | null) => ({
    offset,
    timestamp,
    key,
    value,
  });
  const same = (b: KafkaBatchInput): void => {
    const body = encodeKafkaEvent(b);
    expect(body.toString('utf8')).toBe(JSON.stringify(kafkaEvent(b)));
  };

  it('writes offsets and timestamps as JSON.stringify(Number(s)) does, odd texts included', () => {
    const texts = [
      '0',
      '7',
      '007',
      '-1',
      '+5',
      '1e3',
      '1.5',
      ' 12',
      '12 ',
      '',
      '0x10',
      'Infinity',
      'NaN',
      'n/a',
      '999999999999999',
      '9007199254740993',
      '12345678901234567890123',
      '1'.repeat(400),
    ];
    const records = texts.flatMap((t, i) => [
      record(t, String(i), null, null),
      record(String(i), t, Buffer.from('v'), Buffer.from('k')),
    ]);
    same({ topic: 't', partition: 1, bootstrapServers: ['h:1'], records });
  });

  it('writes base64 of every length around the in-place limit and of empty or null parts', () => {
    const lengths = [0, 1, 2, 3, 4, 5, 81, 82, 83, 1022, 1023, 1024, 1025, 1026, 5000];
    const records = lengths.map((n, i) => {
      const value = Buffer.alloc(n);
      for (let j = 0; j < n; j++) value[j] = (j * 31 + n) & 0xff;
      return record(String(i), '1700000000000', value, i % 2 === 0 ? value.subarray(0, i) : null);
    });
    same({ topic: 't', partition: 0, bootstrapServers: ['h:1'], records });
  });

  it('writes a value that is a view into a larger buffer (kafkajs slices its fetch)', () => {
    const fetch = Buffer.from('xxxxhello worldyyyy');
    const records = [record('1', '2', fetch.subarray(4, 15), fetch.subarray(0, 4))];
    same({ topic: 't', partition: 0, bootstrapServers: ['h:1'], records });
  });

  it('writes [] for headers that are empty or hold only undefined values', () => {
    const records = [
      { ...record('1', '2', null, null), headers: {} },
      { ...record('2', '2', null, null), headers: { a: undefined } },
      { ...record('3', '2', null, null), headers: { a: undefined, 'b"': 'x' } },
      { ...record('4', '2', null, null), headers: { a: [] } },
    ];
    same({ topic: 't', partition: 0, bootstrapServers: ['h:1'], records });
  });
});

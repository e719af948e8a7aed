import { describe, expect, it } from 'vitest';

import { decodeIntakeEntry, intakeField, intakeFields } from './async-intake.js';
import { asyncKeys, newAsyncJob } from './async-invoke.js';

const job = newAsyncJob({
  functionName: 'fn',
  qualifier: '3',
  requestId: 'r-1',
  payload: '{"a":1}',
  acceptedAt: 1000,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
});

describe('async intake entries', () => {
  it('keeps the stream and its failure list in the {async} slot', () => {
    const k = asyncKeys('p');
    expect(k.intake).toBe('p:v1:{async}:intake');
    expect(k.undelivered).toBe('p:v1:{async}:undelivered');
  });
  it('round-trips an event and names its function on its own field', () => {
    const fields = intakeFields(job);
    expect(intakeField(fields, 'f')).toBe('fn');
    expect(decodeIntakeEntry(fields)).toEqual(job);
    expect(intakeField(fields, 'p')).toBe('{"a":1}');
    expect(intakeField(fields, 'j')).not.toContain('"a"');
    // Redis may hand the fields back in another order.
    expect(decodeIntakeEntry([...fields.slice(4), ...fields.slice(0, 4)])).toEqual(job);
    // An entry with the payload inside its JSON reads the same.
    expect(decodeIntakeEntry(['j', JSON.stringify(job)])).toEqual(job);
  });
  it('reads anything else as no event, without throwing', () => {
    expect(decodeIntakeEntry([])).toBeUndefined();
    expect(decodeIntakeEntry(['j'])).toBeUndefined();
    expect(decodeIntakeEntry(['j', '{broken'])).toBeUndefined();
    expect(decodeIntakeEntry(['j', 'null'])).toBeUndefined();
    expect(decodeIntakeEntry(['j', JSON.stringify({ ...job, v: 2 })])).toBeUndefined();
    expect(decodeIntakeEntry(['j', JSON.stringify({ ...job, requestId: 1 })])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';

import { asyncKeys } from './async-invoke.js';
import {
  attemptOf,
  decodeRunRecord,
  encodeRunRecord,
  parseRunRecordRequest,
  RUN_RECORD_MAX_PAYLOAD_BYTES,
  RUN_MARKER_MARGIN_MS,
  RUN_RECORD_MAX_TTL_MS,
  RUN_RECORD_RUNNING,
  runMarkerTtlMs,
  runRecordKey,
  runRecordRequest,
} from './async-run-record.js';

describe('async run records', () => {
  it('round-trips the request header and caps its TTL', () => {
    const attempt = attemptOf({ functionErrors: 1, throttles: 2 });
    expect(parseRunRecordRequest(runRecordRequest(attempt, 8000))).toEqual({
      attempt: '1.2',
      ttlMs: 8000,
    });
    expect(parseRunRecordRequest('0.0;99999999')?.ttlMs).toBe(RUN_RECORD_MAX_TTL_MS);
    for (const bad of [undefined, '', '0.0', 'x;1', '0.0;0', '0.0;1;2', '../k;5']) {
      expect(parseRunRecordRequest(bad)).toBeUndefined();
    }
  });

  it('keys a record by function, request id and attempt', () => {
    expect(runRecordKey(asyncKeys('p'), 'fn', 'a:b', '0.1')).toBe('p:v1:{async}:run:fn~a_b:0.1');
  });

  it('round-trips an outcome and drops a payload larger than a destination takes', () => {
    const text = encodeRunRecord('Unhandled', '2', Buffer.from('{"e":1}'));
    expect(decodeRunRecord(text)).toEqual({
      functionError: 'Unhandled',
      executedVersion: '2',
      payload: '{"e":1}',
    });
    const big = Buffer.alloc(RUN_RECORD_MAX_PAYLOAD_BYTES + 1, 0x61);
    expect(decodeRunRecord(encodeRunRecord(undefined, '$LATEST', big))).toEqual({
      executedVersion: '$LATEST',
    });
    expect(decodeRunRecord(null)).toBeUndefined();
    expect(decodeRunRecord('nope')).toBeUndefined();
    expect(decodeRunRecord('[1]')).toBeUndefined();
  });
});

describe('the running marker', () => {
  it('is no record to a reader that predates it, and lives for the timeout and a margin', () => {
    expect(decodeRunRecord(RUN_RECORD_RUNNING)).toBeUndefined();
    expect(runMarkerTtlMs(3000)).toBe(3000 + RUN_MARKER_MARGIN_MS);
    expect(runMarkerTtlMs(-1)).toBe(RUN_MARKER_MARGIN_MS);
    expect(runMarkerTtlMs(10 * RUN_RECORD_MAX_TTL_MS)).toBe(RUN_RECORD_MAX_TTL_MS);
  });
});

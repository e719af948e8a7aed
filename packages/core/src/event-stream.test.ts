import { describe, expect, it } from 'vitest';

import { crc32, encodeEvent } from './event-stream.js';

describe('event stream framing', () => {
  it('computes the IEEE CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('frames a message: lengths, prelude and message checksums, string headers', () => {
    const m = encodeEvent('PayloadChunk', Buffer.from('hi'), 'application/octet-stream');
    expect(m.readUInt32BE(0)).toBe(m.length);
    const headersLength = m.readUInt32BE(4);
    expect(m.readUInt32BE(8)).toBe(crc32(m.subarray(0, 8)));
    expect(m.readUInt32BE(m.length - 4)).toBe(crc32(m.subarray(0, m.length - 4)));
    const headers = m.subarray(12, 12 + headersLength);
    expect(headers.readUInt8(0)).toBe(':event-type'.length);
    expect(headers.subarray(1, 12).toString()).toBe(':event-type');
    expect(headers.readUInt8(12)).toBe(7);
    expect(headers.readUInt16BE(13)).toBe('PayloadChunk'.length);
    expect(m.subarray(12 + headersLength, m.length - 4).toString()).toBe('hi');
  });
});

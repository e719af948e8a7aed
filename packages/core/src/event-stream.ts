/**
 * AWS's event stream framing (`application/vnd.amazon.eventstream`), the body of
 * InvokeWithResponseStream: each message is a 12-byte prelude (total length, headers length,
 * CRC32 of those 8 bytes), string headers (`:event-type`, `:content-type`, `:message-type`), the
 * payload, and a CRC32 of everything before it. The SDKs decode it with @smithy/eventstream-codec.
 *
 * Invariant: pure; only string-valued headers (type 7) are written, which is all Lambda sends.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE), as the event stream prelude and message checksums use. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = (TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function encodeHeaders(headers: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(7, 1 + n.length); // string
    h.writeUInt16BE(v.length, 2 + n.length);
    v.copy(h, 4 + n.length);
    parts.push(h);
  }
  return Buffer.concat(parts);
}

/** One event stream message. */
export function encodeEventMessage(
  headers: Readonly<Record<string, string>>,
  payload: Buffer,
): Buffer {
  const h = encodeHeaders(headers);
  const total = 12 + h.length + payload.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(h.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  h.copy(out, 12);
  payload.copy(out, 12 + h.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}

/** An event of InvokeWithResponseStream's stream (`PayloadChunk`, `InvokeComplete`). */
export function encodeEvent(type: string, payload: Buffer, contentType: string): Buffer {
  return encodeEventMessage(
    { ':event-type': type, ':content-type': contentType, ':message-type': 'event' },
    payload,
  );
}

/**
 * The entry count a zip declares, read from its end of central directory record (and the Zip64
 * record when the classic one says 0xffff), without parsing anything else: the code store refuses
 * a zip over the entry limit with this before hashing it or starting an unzip worker, so a
 * 100,000-entry upload costs the event loop a few microseconds more than its request body.
 *
 * Invariant: a hint, never trusted for safety — `undefined` when the records cannot be found, and
 * the unzip worker counts again from the archive itself (ADR 0018).
 */
const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
/** The classic record is 22 bytes plus a comment of at most 65,535. */
const MAX_SEARCH = 22 + 0xffff;

export function zipEntryCount(zip: Buffer): number | undefined {
  const stop = Math.max(0, zip.length - MAX_SEARCH);
  for (let at = zip.length - 22; at >= stop; at--) {
    if (zip.readUInt32LE(at) !== EOCD) continue;
    const count = zip.readUInt16LE(at + 10);
    if (count !== 0xffff) return count;
    const locator = at - 20;
    if (locator < 0 || zip.readUInt32LE(locator) !== ZIP64_LOCATOR) return count;
    const record = Number(zip.readBigUInt64LE(locator + 8));
    if (record + 56 > zip.length || zip.readUInt32LE(record) !== ZIP64_EOCD) return undefined;
    return Number(zip.readBigUInt64LE(record + 32));
  }
  return undefined;
}

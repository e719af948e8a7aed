/**
 * The one .zip writer: the CLI packs function folders with it (`zipFolder`), tests and benches
 * build packages with it. Pure (node:zlib only), so every workspace can use it through the
 * `@lamina/service-kit/pack-zip` subpath without loading the rest of the kit.
 *
 * Invariants: entries are written in the order given, with a fixed DOS timestamp (1980-01-01)
 * and Unix modes, so the same entries always give the same bytes; names are UTF-8; an entry is
 * deflated only when that makes it smaller (else stored). No ZIP64: at most 65535 entries and
 * 4 GiB, far beyond Lambda's limits — more entries throw.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** The path inside the archive, `/`-separated. */
  readonly name: string;
  readonly data: Buffer;
  /** Permission bits (default 0o644); the executable bit survives for `bootstrap` files. */
  readonly mode?: number;
}

/** 1980-01-01 00:00, the earliest DOS time: reproducible across machines. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const UTF8_NAMES = 0x0800;

/** The entries as a .zip; `deflate: false` stores every entry uncompressed. */
export function packZip(entries: readonly ZipEntry[], options: { deflate?: boolean } = {}): Buffer {
  if (entries.length > 0xffff) throw new Error(`a zip holds at most 65535 entries`);
  const deflate = options.deflate ?? true;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, mode = 0o644 } of entries) {
    const packed = deflate ? deflateRawSync(data) : data;
    const stored = !deflate || packed.length >= data.length;
    const body = stored ? data : packed;
    const method = stored ? 0 : 8;
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below counts
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(((0o100000 | (mode & 0o7777)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/**
 * Packs a function's folder into a .zip the way `sam build`/`zip -r` would, but reproducibly:
 * entries sorted by path, a fixed timestamp and Unix modes (the executable bit survives for
 * `bootstrap` files). The same folder always gives the same bytes, so its SHA-256 equals the
 * CodeSha256 Lamina reports when nothing changed — that is how `deploy` knows code is unchanged.
 *
 * Invariants: no `.git` or `.lamina` folders; symbolic links are followed; at most 65535 entries
 * and 4 GiB (no ZIP64) — Lambda's own limits are far lower.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

const SKIP = new Set(['.git', '.lamina', '.aws-sam']);
/** 1980-01-01 00:00, the earliest DOS time: reproducible across machines. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

function filesOf(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(dir).sort()) {
    if (SKIP.has(entry)) continue;
    const full = join(dir, entry);
    const st = statSync(full);
    if (st.isDirectory()) filesOf(root, full, out);
    else if (st.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

/** The folder's files as a deflated .zip. */
export function zipFolder(root: string): Buffer {
  const names: string[] = [];
  filesOf(root, root, names);
  names.sort();
  if (names.length > 0xffff) throw new Error(`${root} holds more than 65535 files`);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const full = join(root, ...name.split('/'));
    const data = readFileSync(full);
    const mode = statSync(full).mode & 0o777;
    const packed = deflateRawSync(data);
    const stored = packed.length >= data.length;
    const body = stored ? data : packed;
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode counts
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A folder is zipped; a .zip file is read as it is. */
export function codeOf(path: string): Buffer {
  const st = statSync(path);
  if (st.isDirectory()) return zipFolder(path);
  return readFileSync(path);
}

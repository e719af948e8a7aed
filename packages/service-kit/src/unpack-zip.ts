/**
 * Safe unpacking of a function's zip, the one implementation behind both places that unpack
 * user archives: the gateway (code/unzip-worker.ts runs it in a worker thread, off the event
 * loop) and the worker agent (code delivery over HTTP, issue #15: it unpacks once, inline,
 * before it is ready). One module so both sides refuse exactly the same archives (issue #14).
 *
 * It is reached through the `@lamina/service-kit/unpack-zip` subpath, never the package index:
 * the gateway's worker thread and the agent's bundle load it alone, so it imports only Node.js
 * built-ins and yauzl (never pino, prom-client or the rest of the kit).
 *
 * Invariants:
 * - Nothing lands outside `dest`: absolute paths, `..` segments, backslashes, NUL bytes (in the
 *   raw or the decoded name) and device/fifo entries are refused; symlinks are created last (so
 *   nothing is written through one) and must resolve inside `dest`.
 * - The limits are checked before anything is written (entry count, then every name and type and
 *   the sum of the declared sizes), and the bytes really written are counted too.
 * - Modes are Lambda's: files 0644, or 0755 when the zip says executable; folders 0755. Set-uid,
 *   set-gid and sticky bits never reach the disk.
 */
import { constants, createWriteStream } from 'node:fs';
import { chmod, mkdir, realpath, symlink } from 'node:fs/promises';
import { posix, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { fromBufferPromise, openPromise, type Entry, type ZipFile } from 'yauzl';

export interface UnzipLimits {
  /** Bytes that may be written in total (files plus symlink targets). */
  readonly maxUnzippedBytes: number;
  readonly maxEntries: number;
}

/** How unpacking ended. `io` is the host's problem (disk or volume full), not the zip's. */
export type UnzipOutcome =
  | { readonly kind: 'ok'; readonly bytes: number; readonly entries: number }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'too-big'; readonly limit: number }
  | { readonly kind: 'too-many-entries'; readonly limit: number; readonly entries: number }
  | {
      readonly kind: 'io';
      readonly message: string;
      readonly code?: string;
      readonly syscall?: string;
    };

type Refused = Exclude<UnzipOutcome, { kind: 'ok' | 'io' }>;

class Refusal extends Error {
  readonly outcome: Refused;
  constructor(outcome: Refused) {
    super(outcome.kind === 'invalid' ? outcome.reason : outcome.kind);
    this.outcome = outcome;
  }
}

const invalid = (reason: string): Refusal => new Refusal({ kind: 'invalid', reason });

/** Zip hosts whose external attributes carry a Unix mode in the high 16 bits (Unix, macOS). */
const UNIX_HOSTS = new Set([3, 19]);
const MAX_LINK_TARGET = 4096;
/** fs errors that mean the archive itself is inconsistent (duplicates, file/dir clashes). */
const ARCHIVE_FS_ERRORS = new Set(['EEXIST', 'ENOTDIR', 'EISDIR', 'ELOOP']);

/** The entry's path relative to the destination, or a refusal when it could escape it. */
export function safeEntryPath(name: string): string {
  if (name.includes('\0')) throw invalid(`entry name contains NUL: ${JSON.stringify(name)}`);
  // yauzl turns backslashes into slashes (strictFileNames: false); refuse any that remain.
  if (name.includes('\\')) throw invalid(`entry name contains a backslash: ${name}`);
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    throw invalid(`absolute entry path: ${name}`);
  }
  if (name.split('/').includes('..')) throw invalid(`entry path escapes the package: ${name}`);
  const rel = posix.normalize(name).replace(/\/+$/, '');
  if (rel === '' || rel === '.') throw invalid(`empty entry path: ${JSON.stringify(name)}`);
  return rel;
}

function unixMode(entry: Entry): number {
  return UNIX_HOSTS.has(entry.versionMadeBy >>> 8)
    ? (entry.externalFileAttributes >>> 16) & 0xffff
    : 0;
}

type Kind = 'dir' | 'file' | 'link';

interface Planned {
  readonly entry: Entry;
  readonly rel: string;
  readonly kind: Kind;
  /** 0o755 or 0o644: only the executable bit of the zip's mode survives. */
  readonly mode: number;
}

/** Pass one: every entry checked, nothing written. */
async function plan(zipfile: ZipFile, limits: UnzipLimits): Promise<Planned[]> {
  if (zipfile.entryCount > limits.maxEntries) {
    throw new Refusal({
      kind: 'too-many-entries',
      limit: limits.maxEntries,
      entries: zipfile.entryCount,
    });
  }
  const planned: Planned[] = [];
  let declared = 0;
  for await (const entry of zipfile.eachEntry()) {
    if (entry.fileNameRaw.includes(0)) {
      throw invalid(`entry name contains NUL: ${JSON.stringify(entry.fileName)}`);
    }
    const rel = safeEntryPath(entry.fileName);
    const mode = unixMode(entry);
    const type = mode & constants.S_IFMT;
    const exec = (mode & 0o111) !== 0 ? 0o755 : 0o644;
    if (entry.fileName.endsWith('/') || type === constants.S_IFDIR) {
      planned.push({ entry, rel, kind: 'dir', mode: 0o755 });
      continue;
    }
    if (type !== 0 && type !== constants.S_IFREG && type !== constants.S_IFLNK) {
      throw invalid(`entry is not a file, directory or symlink: ${rel}`);
    }
    if (!entry.canDecodeFileData()) {
      throw invalid(`entry is encrypted or uses an unsupported compression: ${rel}`);
    }
    declared += entry.uncompressedSize;
    if (declared > limits.maxUnzippedBytes) {
      throw new Refusal({ kind: 'too-big', limit: limits.maxUnzippedBytes });
    }
    planned.push({ entry, rel, kind: type === constants.S_IFLNK ? 'link' : 'file', mode: exec });
  }
  return planned;
}

async function readAll(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) throw invalid(`symlink target longer than ${max} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function checkLinkTarget(rel: string, target: string): void {
  if (target === '' || target.includes('\0') || target.includes('\\')) {
    throw invalid(`symlink ${rel} has an invalid target`);
  }
  if (target.startsWith('/') || /^[a-zA-Z]:/.test(target)) {
    throw invalid(`symlink ${rel} points to an absolute path`);
  }
  const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
  if (resolved === '..' || resolved.startsWith('../')) {
    throw invalid(`symlink ${rel} points outside the package`);
  }
}

interface PendingLink {
  readonly rel: string;
  readonly target: string;
}

/**
 * Unpacks `zip` (bytes, or the path of a zip file, read in pieces) into the existing, empty
 * folder `dest`; the caller removes it on failure.
 */
export async function unpack(
  zip: Buffer | string,
  dest: string,
  limits: UnzipLimits,
): Promise<UnzipOutcome> {
  let zipfile: ZipFile;
  const options = {
    lazyEntries: true,
    validateEntrySizes: true,
    decodeStrings: true,
    strictFileNames: false,
  };
  try {
    zipfile = await (typeof zip === 'string'
      ? openPromise(zip, { ...options, autoClose: false })
      : fromBufferPromise(zip, options));
  } catch (err) {
    return { kind: 'invalid', reason: `not a zip archive: ${(err as Error).message}` };
  }
  let bytes = 0;
  const count = (n: number): void => {
    bytes += n;
    if (bytes > limits.maxUnzippedBytes) {
      throw new Refusal({ kind: 'too-big', limit: limits.maxUnzippedBytes });
    }
  };
  const abs = (rel: string): string => dest + sep + rel.split('/').join(sep);
  const links: PendingLink[] = [];
  try {
    const planned = await plan(zipfile, limits);
    for (const { entry, rel, kind, mode } of planned) {
      if (kind === 'dir') {
        await mkdir(abs(rel), { recursive: true, mode: 0o755 });
        await chmod(abs(rel), 0o755);
        continue;
      }
      const parent = posix.dirname(rel);
      if (parent !== '.') await mkdir(abs(parent), { recursive: true, mode: 0o755 });
      const stream = await zipfile.openReadStreamPromise(entry);
      if (kind === 'link') {
        const target = (await readAll(stream, MAX_LINK_TARGET)).toString('utf8');
        count(Buffer.byteLength(target));
        checkLinkTarget(rel, target);
        links.push({ rel, target });
        continue;
      }
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          try {
            count(chunk.length);
            done(null, chunk);
          } catch (err) {
            done(err as Error);
          }
        },
      });
      await pipeline(stream, counter, createWriteStream(abs(rel), { flags: 'wx', mode }));
      // The umask may have cleared bits of the creation mode; set exactly what Lambda would.
      await chmod(abs(rel), mode);
    }
    for (const link of links) await symlink(link.target, abs(link.rel));
    await verifyLinks(dest, links, abs);
    return { kind: 'ok', bytes, entries: planned.length };
  } catch (err) {
    return classify(err);
  } finally {
    zipfile.close();
  }
}

/** Every link must resolve (through any chain of links) to something inside `dest`. */
async function verifyLinks(
  dest: string,
  links: readonly PendingLink[],
  abs: (rel: string) => string,
): Promise<void> {
  if (links.length === 0) return;
  const root = await realpath(dest);
  for (const { rel } of links) {
    let real: string;
    try {
      real = await realpath(abs(rel));
    } catch {
      throw invalid(`symlink ${rel} does not resolve inside the package`);
    }
    if (real !== root && !real.startsWith(root + sep)) {
      throw invalid(`symlink ${rel} points outside the package`);
    }
  }
}

function classify(err: unknown): UnzipOutcome {
  if (err instanceof Refusal) return err.outcome;
  const fsErr = err as NodeJS.ErrnoException;
  // fs errors carry `syscall`; zlib and yauzl errors (bad data, size mismatch) do not.
  if (fsErr.syscall !== undefined) {
    if (fsErr.code !== undefined && ARCHIVE_FS_ERRORS.has(fsErr.code)) {
      return {
        kind: 'invalid',
        reason: `entries clash (duplicate names or a file where a directory is): ${fsErr.message}`,
      };
    }
    return {
      kind: 'io',
      message: fsErr.message,
      ...(fsErr.code === undefined ? {} : { code: fsErr.code }),
      syscall: fsErr.syscall,
    };
  }
  return { kind: 'invalid', reason: `the archive could not be read: ${fsErr.message}` };
}

// The upload worker's other job, loaded through this subpath too (only built-ins).
export { decodeUploadBody, type DecodedBody, isBase64 } from './upload-body.js';

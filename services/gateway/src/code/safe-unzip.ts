import { constants, createWriteStream } from 'node:fs';
import { chmod, mkdir, realpath, symlink } from 'node:fs/promises';
import { posix, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { InvalidParameterValueException } from '@lamina/core';
import { fromBufferPromise, type Entry, type ZipFile } from 'yauzl';

export const UNZIP_FAILED_MESSAGE =
  'Could not unzip uploaded file. Please check your file, then try to upload again.';

export interface UnzipLimits {
  /** Bytes that may be written in total (files plus symlink targets). */
  readonly maxUnzippedBytes: number;
  readonly maxEntries: number;
}

export interface UnzipResult {
  readonly bytes: number;
  readonly entries: number;
}

/** Zip hosts whose external attributes carry a Unix mode in the high 16 bits (Unix, macOS). */
const UNIX_HOSTS = new Set([3, 19]);
const MAX_LINK_TARGET = 4096;
/** fs errors that mean the archive itself is inconsistent (duplicates, file/dir clashes). */
const ARCHIVE_FS_ERRORS = new Set(['EEXIST', 'ENOTDIR', 'EISDIR', 'ELOOP']);

// Typed as Error: core's generated error classes do not show `extends Error` to lint.
const unzipFailed = (reason: string, cause?: unknown): Error =>
  new InvalidParameterValueException(UNZIP_FAILED_MESSAGE, {
    cause: cause ?? new Error(reason),
  });

const tooBig = (limit: number): Error =>
  new InvalidParameterValueException(`Unzipped size must be smaller than ${limit} bytes`);

/** The entry's path relative to the destination, or an error when it could escape it. */
export function safeEntryPath(name: string): string {
  if (name.includes('\0')) throw unzipFailed(`entry name contains NUL: ${JSON.stringify(name)}`);
  // yauzl turns backslashes into slashes (strictFileNames: false); refuse any that remain.
  if (name.includes('\\')) throw unzipFailed(`entry name contains a backslash: ${name}`);
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    throw unzipFailed(`absolute entry path: ${name}`);
  }
  const segments = name.split('/');
  if (segments.includes('..')) throw unzipFailed(`entry path escapes the package: ${name}`);
  const rel = posix.normalize(name).replace(/\/+$/, '');
  if (rel === '' || rel === '.') throw unzipFailed(`empty entry path: ${JSON.stringify(name)}`);
  return rel;
}

function unixMode(entry: Entry): number {
  return UNIX_HOSTS.has(entry.versionMadeBy >>> 8)
    ? (entry.externalFileAttributes >>> 16) & 0xffff
    : 0;
}

async function readAll(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) throw unzipFailed(`symlink target longer than ${max} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

interface PendingLink {
  readonly rel: string;
  readonly target: string;
}

/**
 * Unpacks `zip` into the existing, empty directory `dest` without letting any entry land outside
 * it: absolute paths, `..` segments, NUL bytes and device/fifo entries are refused; symlinks are
 * created last (so nothing is ever written through one) and must resolve inside `dest`. Regular
 * files keep the executable bit of their Unix mode. The bytes actually written are counted and
 * the unpacking stops once they pass `limits.maxUnzippedBytes`.
 *
 * Throws InvalidParameterValueException for a bad archive; the caller removes `dest` on failure.
 */
export async function unzipSafely(
  zip: Buffer,
  dest: string,
  limits: UnzipLimits,
): Promise<UnzipResult> {
  let zipfile: ZipFile;
  try {
    zipfile = await fromBufferPromise(zip, {
      lazyEntries: true,
      validateEntrySizes: true,
      decodeStrings: true,
      strictFileNames: false,
    });
  } catch (err) {
    throw unzipFailed('not a zip archive', err);
  }
  let bytes = 0;
  let entries = 0;
  const links: PendingLink[] = [];
  const count = (n: number): void => {
    bytes += n;
    if (bytes > limits.maxUnzippedBytes) throw tooBig(limits.maxUnzippedBytes);
  };
  const abs = (rel: string): string => dest + sep + rel.split('/').join(sep);

  try {
    for await (const entry of zipfile.eachEntry()) {
      entries += 1;
      if (entries > limits.maxEntries) {
        throw unzipFailed(`more than ${limits.maxEntries} entries`);
      }
      const rel = safeEntryPath(entry.fileName);
      const mode = unixMode(entry);
      const type = mode & constants.S_IFMT;
      if (entry.fileName.endsWith('/') || type === constants.S_IFDIR) {
        await mkdir(abs(rel), { recursive: true });
        continue;
      }
      if (type !== 0 && type !== constants.S_IFREG && type !== constants.S_IFLNK) {
        throw unzipFailed(`entry is not a file, directory or symlink: ${rel}`);
      }
      if (!entry.canDecodeFileData()) {
        throw unzipFailed(`entry is encrypted or uses an unsupported compression: ${rel}`);
      }
      // The declared size is checked up front; the bytes really written are counted below.
      if (bytes + entry.uncompressedSize > limits.maxUnzippedBytes) {
        throw tooBig(limits.maxUnzippedBytes);
      }
      await mkdir(posix.dirname(rel) === '.' ? dest : abs(posix.dirname(rel)), {
        recursive: true,
      });
      const stream = await zipfile.openReadStreamPromise(entry);
      if (type === constants.S_IFLNK) {
        const target = (await readAll(stream, MAX_LINK_TARGET)).toString('utf8');
        count(Buffer.byteLength(target));
        checkLinkTarget(rel, target);
        links.push({ rel, target });
        continue;
      }
      const fileMode = (mode & 0o111) !== 0 ? 0o755 : 0o644;
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
      await pipeline(stream, counter, createWriteStream(abs(rel), { flags: 'wx', mode: fileMode }));
      // The umask may have cleared bits of the creation mode; set exactly what the zip says.
      await chmod(abs(rel), fileMode);
    }
    for (const link of links) await symlink(link.target, abs(link.rel));
    await verifyLinks(dest, links, abs);
  } catch (err) {
    throw classify(err);
  } finally {
    zipfile.close();
  }
  return { bytes, entries };
}

function checkLinkTarget(rel: string, target: string): void {
  if (target === '' || target.includes('\0') || target.includes('\\')) {
    throw unzipFailed(`symlink ${rel} has an invalid target`);
  }
  if (target.startsWith('/') || /^[a-zA-Z]:/.test(target)) {
    throw unzipFailed(`symlink ${rel} points to an absolute path`);
  }
  const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
  if (resolved === '..' || resolved.startsWith('../')) {
    throw unzipFailed(`symlink ${rel} points outside the package`);
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
    } catch (err) {
      throw unzipFailed(`symlink ${rel} does not resolve inside the package`, err);
    }
    if (real !== root && !real.startsWith(root + sep)) {
      throw unzipFailed(`symlink ${rel} points outside the package`);
    }
  }
}

function classify(err: unknown): unknown {
  if (err instanceof InvalidParameterValueException) return err;
  const fsErr = err as NodeJS.ErrnoException | undefined;
  // fs errors carry `syscall`; zlib and yauzl errors (bad data, size mismatch) do not.
  if (fsErr?.syscall !== undefined) {
    if (fsErr.code !== undefined && ARCHIVE_FS_ERRORS.has(fsErr.code)) {
      return unzipFailed('entries clash (duplicate names or a file where a directory is)', err);
    }
    return err; // disk full, permissions: our problem, not the zip's
  }
  return unzipFailed('the archive could not be read', err);
}

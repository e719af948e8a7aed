import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface DirectoryDigest {
  /** base64 SHA-256, the shape of Lambda's CodeSha256. */
  readonly sha256: string;
  /** Total bytes of the regular files. */
  readonly size: number;
}

async function hashFile(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** Relative paths (with `/`) of everything under `dir`, depth first, sorted by code unit. */
async function walk(dir: string, prefix: string, out: string[]): Promise<void> {
  const names = (await readdir(join(dir, prefix))).sort();
  for (const name of names) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    out.push(rel);
    const st = await lstat(join(dir, rel));
    if (st.isDirectory()) await walk(dir, rel, out);
  }
}

/**
 * A deterministic digest of a folder used as function code (a manifest's `spec.code.path`).
 * It covers, in sorted path order, each entry's type, relative path, executable bit and content
 * (a symlink's target, not what it points to), so it changes when the code would run
 * differently and not when only timestamps or the umask differ. Entries other than files,
 * directories and symlinks (sockets, fifos) are left out.
 */
export async function hashDirectory(dir: string): Promise<DirectoryDigest> {
  const hash = createHash('sha256');
  const paths: string[] = [];
  await walk(dir, '', paths);
  let size = 0;
  for (const rel of paths) {
    const abs = join(dir, rel);
    const st = await lstat(abs);
    const exec = (st.mode & 0o111) !== 0 ? 'x' : '-';
    if (st.isDirectory()) {
      hash.update(`d\0${rel}\0`);
    } else if (st.isSymbolicLink()) {
      const target = await readlink(abs);
      hash.update(`l\0${rel}\0${Buffer.byteLength(target)}\0${target}`);
    } else if (st.isFile()) {
      hash.update(`f\0${rel}\0${exec}\0${st.size}\0`);
      await hashFile(hash, abs);
      size += st.size;
    }
  }
  return { sha256: hash.digest('base64'), size };
}

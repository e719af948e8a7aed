import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/**
 * Identifies one version of a file. Writers replace files by rename (a new inode each time), so
 * the inode with size and mtime tells versions apart without reading the content.
 */
export function fingerprintOf(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

export interface FileVersion {
  readonly text: string;
  readonly fingerprint: string;
  readonly mtime: Date;
}

const isMissing = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/** The fingerprint of `path`, or undefined when it does not exist. */
export async function statFingerprint(path: string): Promise<string | undefined> {
  try {
    return fingerprintOf(await stat(path));
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/**
 * Reads a file together with the fingerprint of exactly the version read (stat and read go
 * through one descriptor). Undefined when it does not exist.
 */
export async function readFileVersion(path: string): Promise<FileVersion | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    const stats = await handle.stat();
    const text = await handle.readFile('utf8');
    return { text, fingerprint: fingerprintOf(stats), mtime: stats.mtime };
  } finally {
    await handle.close();
  }
}

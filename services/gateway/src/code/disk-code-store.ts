import { createHash, randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import {
  type CodeArtifact,
  type CodeStore,
  LIMITS,
  RequestEntityTooLargeException,
} from '@lamina/core';

import { writeFileAtomic } from './atomic-write.js';
import { unzipSafely } from './safe-unzip.js';

export interface DiskCodeStoreOptions {
  /** Folder of the store: `<hex>.zip` files and `<hex>/` unpacked trees. */
  readonly root: string;
  /** Defaults to Lambda's 50 MB. */
  readonly maxZipBytes?: number;
  /** Defaults to Lambda's 250 MB. */
  readonly maxUnzippedBytes?: number;
  /** Entries per zip; bounds the files a small zip can create. */
  readonly maxEntries?: number;
}

const HEX = /^[0-9a-f]{64}$/;
const DEFAULT_MAX_ENTRIES = 100_000;
const ALREADY_THERE = new Set(['EEXIST', 'ENOTEMPTY']);

/**
 * The content-addressed code store on a filesystem (a PVC in a cluster, a folder in local mode).
 * A zip is kept as `<root>/<hex>.zip` and unpacked into `<root>/<hex>/`. Both appear
 * atomically (temp + rename), so several processes may put the same zip at once and no reader
 * ever sees a half-written zip or a half-unpacked tree. Temp names start with `.tmp-`.
 */
export class DiskCodeStore implements CodeStore {
  private readonly root: string;
  private readonly maxZipBytes: number;
  private readonly maxUnzippedBytes: number;
  private readonly maxEntries: number;
  /** Puts of the same zip in this process share one unpacking. */
  private readonly inFlight = new Map<string, Promise<CodeArtifact>>();

  constructor(options: DiskCodeStoreOptions) {
    this.root = options.root;
    this.maxZipBytes = options.maxZipBytes ?? LIMITS.zipMaxBytes;
    this.maxUnzippedBytes = options.maxUnzippedBytes ?? LIMITS.unzippedMaxBytes;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  async putZip(zip: Buffer): Promise<CodeArtifact> {
    if (zip.length > this.maxZipBytes) {
      const err: Error = new RequestEntityTooLargeException(
        `Zipped size must be smaller than ${this.maxZipBytes} bytes`,
      );
      throw err;
    }
    const hex = createHash('sha256').update(zip).digest('hex');
    const running = this.inFlight.get(hex);
    if (running !== undefined) return running;
    const put = this.store(zip, hex).finally(() => {
      this.inFlight.delete(hex);
    });
    this.inFlight.set(hex, put);
    return put;
  }

  async get(sha256Hex: string): Promise<CodeArtifact | undefined> {
    if (!HEX.test(sha256Hex)) return undefined;
    const [zipStat, dirStat] = await Promise.all([
      statOrUndefined(this.zipPath(sha256Hex)),
      statOrUndefined(this.dirPath(sha256Hex)),
    ]);
    if (zipStat === undefined || dirStat?.isDirectory() !== true) return undefined;
    return this.artifact(sha256Hex, zipStat.size);
  }

  async readZip(sha256Hex: string): Promise<Buffer | undefined> {
    if (!HEX.test(sha256Hex)) return undefined;
    try {
      return await readFile(this.zipPath(sha256Hex));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private async store(zip: Buffer, hex: string): Promise<CodeArtifact> {
    const existing = await this.get(hex);
    if (existing !== undefined) return existing;
    await mkdir(this.root, { recursive: true });
    const tmp = join(this.root, `.tmp-${hex}-${randomUUID()}`);
    await mkdir(tmp);
    try {
      await unzipSafely(zip, tmp, {
        maxUnzippedBytes: this.maxUnzippedBytes,
        maxEntries: this.maxEntries,
      });
      // The zip goes in before the tree: a visible tree always has its zip (get, readZip).
      await writeFileAtomic(this.zipPath(hex), zip);
      await rename(tmp, this.dirPath(hex));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      // Another process unpacked the same zip first: its tree is identical, keep it.
      if (code === undefined || !ALREADY_THERE.has(code)) throw err;
    }
    return this.artifact(hex, zip.length);
  }

  private artifact(hex: string, size: number): CodeArtifact {
    return {
      sha256: Buffer.from(hex, 'hex').toString('base64'),
      sha256Hex: hex,
      size,
      dir: this.dirPath(hex),
    };
  }

  private zipPath(hex: string): string {
    return join(this.root, `${hex}.zip`);
  }

  private dirPath(hex: string): string {
    return join(this.root, hex);
  }
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

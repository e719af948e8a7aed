import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';

import {
  type CodeArtifact,
  type CodeStore,
  InvalidParameterValueException,
  LIMITS,
  RequestEntityTooLargeException,
  type ZipSource,
} from '@lamina/core';

import { KeyedLock } from '@lamina/core';
import { writeFileAtomic } from './atomic-write.js';
import type { CollectableStore, StoredContent } from './code-collector.js';
import { reclaimContent, removeLeftovers, statOrUndefined } from './reclaim-content.js';
import { ModuleBoundary } from './module-boundary.js';
import { tooManyEntriesMessage, unzipSafely } from './safe-unzip.js';
import { zipEntryCount } from './zip-entry-count.js';

export interface DiskCodeStoreOptions {
  /**
   * Folder of the store: `<hex>.zip` files, `<hex>/` unpacked trees and the module boundary
   * `package.json` (module-boundary.ts). Absolute.
   */
  readonly root: string;
  /** Defaults to Lambda's 50 MB. */
  readonly maxZipBytes?: number;
  /** Defaults to Lambda's 250 MB. */
  readonly maxUnzippedBytes?: number;
  /** Entries per zip; bounds the files a small zip can create. Defaults to LIMITS.zipMaxEntries. */
  readonly maxEntries?: number;
}

const HEX = /^[0-9a-f]{64}$/;
const ZIP_NAME = /^([0-9a-f]{64})\.zip$/;
const ALREADY_THERE = new Set(['EEXIST', 'ENOTEMPTY']);

/**
 * The content-addressed code store on a filesystem (a PVC in a cluster, a folder in local mode).
 * A zip is kept as `<root>/<hex>.zip` and unpacked into `<root>/<hex>/`. Both appear
 * atomically (temp + rename), so several processes may put the same zip at once and no reader
 * ever sees a half-written zip or a half-unpacked tree. Temp names start with `.tmp-`.
 *
 * Reclaiming (CodeCollector): the zip's mtime is when the content was last written or put again
 * (a put of existing content touches it), so a sweep never removes content an upload has just
 * returned; `remove` follows reclaim-content.ts across processes, and in this process puts and
 * removes of one hash take turns.
 */
export class DiskCodeStore implements CodeStore, CollectableStore {
  private readonly root: string;
  private readonly maxZipBytes: number;
  private readonly maxUnzippedBytes: number;
  private readonly maxEntries: number;
  /** Puts of the same zip in this process share one unpacking. */
  private readonly inFlight = new Map<string, Promise<CodeArtifact>>();
  /** Puts and removes of one hash, in turn. */
  private readonly serial = new KeyedLock();
  /** Function code here is interpreted as on AWS, whatever folder the store sits in. */
  private readonly boundary: ModuleBoundary;

  constructor(options: DiskCodeStoreOptions) {
    this.root = options.root;
    this.boundary = new ModuleBoundary(options.root);
    this.maxZipBytes = options.maxZipBytes ?? LIMITS.zipMaxBytes;
    this.maxUnzippedBytes = options.maxUnzippedBytes ?? LIMITS.unzippedMaxBytes;
    this.maxEntries = options.maxEntries ?? LIMITS.zipMaxEntries;
  }

  /** A spooled zip (SpooledZip) is consumed: its file is removed, stored or refused. */
  /** The store's folder: spooled zips go here (`.tmp-` names, swept as leftovers). */
  get spoolDir(): string {
    return this.root;
  }

  async putZip(zip: ZipSource): Promise<CodeArtifact> {
    if (Buffer.isBuffer(zip)) {
      this.refuseDeclaredEntries(zip);
      return this.put(zip, createHash('sha256').update(zip).digest('hex'));
    }
    try {
      return await this.put(zip.path, zip.sha256Hex, zip.size);
    } finally {
      await rm(zip.path, { force: true });
    }
  }

  /** Refused from the declared count before hashing or starting a worker (the worker checks too). */
  private refuseDeclaredEntries(zip: Buffer): void {
    const declared = zipEntryCount(zip);
    if (declared !== undefined && declared > this.maxEntries) {
      const err: Error = new InvalidParameterValueException(
        tooManyEntriesMessage(this.maxEntries),
        {
          cause: new Error(`the zip declares ${String(declared)} entries`),
        },
      );
      throw err;
    }
  }

  private async put(zip: Buffer | string, hex: string, size = zip.length): Promise<CodeArtifact> {
    if (size > this.maxZipBytes) {
      const err: Error = new RequestEntityTooLargeException(
        `Zipped size must be smaller than ${this.maxZipBytes} bytes`,
      );
      throw err;
    }
    const running = this.inFlight.get(hex);
    if (running !== undefined) return running;
    const put = this.serial
      .run(hex, () => this.store(zip, hex, size))
      .finally(() => {
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

  /** Every stored hash: the zip's size and when it was last written or put again. */
  async list(): Promise<StoredContent[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: StoredContent[] = [];
    for (const name of names) {
      const hex = ZIP_NAME.exec(name)?.[1];
      if (hex === undefined) continue;
      const st = await statOrUndefined(this.zipPath(hex));
      if (st !== undefined) out.push({ hex, bytes: st.size, touchedAt: st.mtimeMs });
    }
    return out;
  }

  /** Removes the content unless it was written or put again at or after `before`. */
  async remove(hex: string, before: number): Promise<boolean> {
    if (!HEX.test(hex)) return false;
    return this.serial.run(hex, async () => {
      const dir = await statOrUndefined(this.dirPath(hex));
      const paths =
        dir === undefined ? [this.zipPath(hex)] : [this.dirPath(hex), this.zipPath(hex)];
      return reclaimContent({ paths, marker: this.zipPath(hex) }, before);
    });
  }

  async removeLeftovers(before: number): Promise<void> {
    await removeLeftovers(this.root, before);
  }

  /** True when the zip is there (its mtime now says "just put"). */
  private async touch(hex: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(this.zipPath(hex), now, now);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  private async store(zip: Buffer | string, hex: string, size: number): Promise<CodeArtifact> {
    if (await this.touch(hex)) {
      const existing = await this.get(hex);
      if (existing !== undefined) return existing;
    }
    // Before any tree is visible: no function ever runs from the store without it.
    await this.boundary.ensure();
    const tmp = join(this.root, `.tmp-${hex}-${randomUUID()}`);
    await mkdir(tmp);
    try {
      await unzipSafely(zip, tmp, {
        maxUnzippedBytes: this.maxUnzippedBytes,
        maxEntries: this.maxEntries,
      });
      // The zip goes in before the tree: a visible tree always has its zip (get, readZip).
      if (typeof zip === 'string') await this.copyIn(zip, hex);
      else await writeFileAtomic(this.zipPath(hex), zip);
      await rename(tmp, this.dirPath(hex));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      // Another process unpacked the same zip first: its tree is identical, keep it.
      if (code === undefined || !ALREADY_THERE.has(code)) throw err;
    }
    return this.artifact(hex, size);
  }

  /** A spooled zip file into place: copied to a temp name here, then renamed (atomic). */
  private async copyIn(path: string, hex: string): Promise<void> {
    const tmp = join(this.root, `.tmp-${hex}-${randomUUID()}.zip`);
    try {
      await copyFile(path, tmp);
      await rename(tmp, this.zipPath(hex));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
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

/**
 * Local mode's `/opt`: the layers of a function merged into one folder, the way Lambda extracts
 * them into `/opt` in order (a later layer's file replaces an earlier one's at the same path).
 * Each merge is content-addressed by the ordered list of layer hashes:
 * `<root>/<sha256 of the ordered hex hashes>/`, so every environment of every function with the
 * same layers in the same order shares one folder, and a changed order is another folder.
 *
 * Invariants:
 * - A merged folder appears whole or not at all (copied into a `.tmp-` folder, then renamed); one
 *   already there (this process or another, earlier) is used as it is, since its name fixes its
 *   content. Merges of one list in this process share one copy.
 * - Merged folders are a cache of content the code store holds: removing `<root>` while no
 *   environment runs loses nothing (it is made again on the next cold start).
 * - A `package.json` without `type` sits at `<root>` (as at the code store's root), so `.js`
 *   files of a layer are CommonJS as on AWS, whatever project folder the state dir is in.
 */
import { createHash, randomUUID } from 'node:crypto';
import { cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface OptDirsOptions {
  /** Where merged folders go. Absolute. */
  readonly root: string;
  /** The unpacked folder of a layer's content, by its hex SHA-256 (the code store's). */
  readonly layerDir: (sha256Hex: string) => string;
}

const BOUNDARY = `${JSON.stringify({ '//': 'Written by Lamina: layer code below is interpreted as on AWS Lambda (no "type": .js is CommonJS).' }, null, 2)}\n`;
const ALREADY_THERE = new Set(['EEXIST', 'ENOTEMPTY']);

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** The merged `/opt` folders of local mode; see the file comment. */
export class OptDirs {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(private readonly opts: OptDirsOptions) {}

  /** The folder holding `layers` (hex SHA-256s, in order) merged; undefined when there are none. */
  async prepare(layers: readonly string[] | undefined): Promise<string | undefined> {
    if (layers === undefined || layers.length === 0) return undefined;
    const digest = createHash('sha256').update(layers.join('\n')).digest('hex');
    const running = this.inFlight.get(digest);
    if (running !== undefined) return running;
    const merge = this.merge(layers, path.join(this.opts.root, digest)).finally(() => {
      this.inFlight.delete(digest);
    });
    this.inFlight.set(digest, merge);
    return merge;
  }

  private async merge(layers: readonly string[], target: string): Promise<string> {
    if (await isDir(target)) return target;
    await this.boundary();
    const tmp = path.join(this.opts.root, `.tmp-${randomUUID()}`);
    await mkdir(tmp, { recursive: true });
    try {
      for (const hex of layers) {
        const source = this.opts.layerDir(hex);
        if (!(await isDir(source))) {
          throw new Error(`the content of layer ${hex} is not in the code store (${source})`);
        }
        // Later layers replace earlier files; symlinks are copied as links, as unzip made them.
        await cp(source, tmp, { recursive: true, force: true, verbatimSymlinks: true });
      }
      await rename(tmp, target);
    } catch (err) {
      // Another merge of the same list won: its folder is identical.
      if (!ALREADY_THERE.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return target;
  }

  private async boundary(): Promise<void> {
    const file = path.join(this.opts.root, 'package.json');
    await mkdir(this.opts.root, { recursive: true });
    if ((await readFile(file, 'utf8').catch(() => undefined)) === BOUNDARY) return;
    const tmp = `${file}.tmp-${randomUUID()}`;
    await writeFile(tmp, BOUNDARY);
    await rename(tmp, file);
  }
}

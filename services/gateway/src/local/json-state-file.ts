/**
 * One JSON file that holds a small store's whole state in local mode (function URLs,
 * provisioned concurrency configs, layer versions): read once at start, replaced on every
 * change. The stores keep their records in memory and only load and save through this.
 *
 * Invariants:
 * - `save` calls are serialised in call order and each replaces the file atomically, so the
 *   file never holds an older state than a later save; a failed save rejects its caller and
 *   does not block the next one.
 * - `load` never throws: a missing file is `undefined`, and so is one that cannot be parsed
 *   (logged once, then ignored rather than fatal).
 * - Without a file (memory-only stores) both are no-ops.
 */
import { readFile } from 'node:fs/promises';

import type { Logger } from 'pino';

import { writeFileAtomic } from '../code/atomic-write.js';

export class JsonStateFile {
  private writing: Promise<void> = Promise.resolve();

  /** `what` names the file's content in the warning about an unreadable file. */
  constructor(
    private readonly file: string | undefined,
    private readonly what: string,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  /** The parsed content, or undefined when there is no file or it cannot be read. */
  async load(): Promise<unknown> {
    if (this.file === undefined) return undefined;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      this.logger?.warn({ err, file: this.file }, `ignoring unreadable ${this.what} file`);
      return undefined;
    }
  }

  /** Replaces the file with `state` once the saves before it are done. */
  save(state: unknown): Promise<void> {
    const file = this.file;
    if (file === undefined) return Promise.resolve();
    const text = `${JSON.stringify(state, null, 2)}\n`;
    const next = this.writing.then(() => writeFileAtomic(file, text).then(() => undefined));
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every save so far has ended. */
  settled(): Promise<void> {
    return this.writing;
  }
}

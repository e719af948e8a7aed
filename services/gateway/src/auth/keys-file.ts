/**
 * Local mode's access keys: the JSON document named by LAMINA_AUTH_KEYS_FILE
 * (`{"keys":[{"accessKeyId","secretAccessKey","user"?,"policy"}]}`), read at start and again
 * whenever the file changes, so adding, rotating or revoking a key needs no restart.
 *
 * Invariants: start fails when the file cannot be read or holds no valid key (a signed gateway
 * that accepts nobody is a mistake, not a mode); after start, a file that becomes unreadable or
 * invalid is logged and the previous keys stay in force; entries that are malformed are logged
 * and left out; `stop()` is idempotent.
 */
import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';

import type { Logger } from 'pino';

import { type KeyRing, parseKeysDocument } from './access-keys.js';

export interface KeysFileOptions {
  readonly file: string;
  readonly accountId: string;
  readonly ring: KeyRing;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How often the file's mtime is polled; default 500 ms. */
  readonly intervalMs?: number;
}

export class KeysFile {
  private stopped = false;

  constructor(private readonly o: KeysFileOptions) {}

  private async load(): Promise<number> {
    const text = await readFile(this.o.file, 'utf8');
    const { keys, problems } = parseKeysDocument(JSON.parse(text) as unknown, this.o.accountId);
    for (const problem of problems) {
      this.o.logger.warn({ file: this.o.file, problem }, 'access key left out');
    }
    if (keys.length === 0) throw new Error(`${this.o.file} holds no valid access key`);
    this.o.ring.replace('keys-file', keys);
    return keys.length;
  }

  /** Reads the file (throws if it is unusable), then follows its changes. */
  async start(): Promise<void> {
    const count = await this.load();
    this.o.logger.info({ file: this.o.file, keys: count }, 'access keys loaded');
    watchFile(this.o.file, { interval: this.o.intervalMs ?? 500, persistent: false }, () => {
      if (this.stopped) return;
      this.load().then(
        (keys) => {
          this.o.logger.info({ file: this.o.file, keys }, 'access keys reloaded');
        },
        (err: unknown) => {
          this.o.logger.error(
            { err, file: this.o.file },
            'access keys file unusable; keeping the previous keys',
          );
        },
      );
    });
  }

  stop(): Promise<void> {
    this.stopped = true;
    unwatchFile(this.o.file);
    return Promise.resolve();
  }
}

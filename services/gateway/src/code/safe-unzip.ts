/**
 * Unpacks an uploaded zip in a worker thread (unzip-worker.ts) and turns its answer into the
 * Lambda error that names what was wrong: the entry-count or unpacked-size limit (with the
 * limit in the message, as Lambda's "Unzipped size must be smaller than 262144000 bytes"), or
 * "Could not unzip uploaded file" for an archive that is broken or unsafe.
 *
 * Invariants: the gateway's event loop never does the unpacking; it runs in a code worker leased
 * for the call (code-workers.ts) inside a slot of the decode pool (a bounded number at once, a
 * bounded queue, TooManyRequestsException beyond); the worker is ended on timeout, on failure and
 * after a refused archive, and kept for the next job only after a clean unpack.
 * The worker's entry file sits next to code-workers.ts with its own extension: `.ts` in the
 * sources, `.js` in dist/, `.mjs` in the image, where images/bundle.mjs bundles it as
 * dist/unzip-worker.mjs beside dist/main.mjs.
 */
import { InvalidParameterValueException } from '@lamina/core';

import { leaseCodeWorker } from './code-workers.js';
import type { UnzipJob, UnzipLimits, UnzipOutcome } from './unzip-worker.js';

export type { UnzipLimits } from './unzip-worker.js';

export const UNZIP_FAILED_MESSAGE =
  'Could not unzip uploaded file. Please check your file, then try to upload again.';

export interface UnzipResult {
  readonly bytes: number;
  readonly entries: number;
}

export interface UnzipOptions {
  /** The worker is ended after this long; default 5 minutes. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;

export const tooManyEntriesMessage = (limit: number): string =>
  `Zip file must contain at most ${limit} entries (files, folders and links)`;

export const unzippedTooBigMessage = (limit: number): string =>
  `Unzipped size must be smaller than ${limit} bytes`;

// Typed as Error: core's generated error classes do not show `extends Error` to lint.
function toError(outcome: Exclude<UnzipOutcome, { kind: 'ok' }>): Error {
  switch (outcome.kind) {
    case 'invalid':
      return new InvalidParameterValueException(UNZIP_FAILED_MESSAGE, {
        cause: new Error(outcome.reason),
      });
    case 'too-big':
      return new InvalidParameterValueException(unzippedTooBigMessage(outcome.limit));
    case 'too-many-entries':
      return new InvalidParameterValueException(tooManyEntriesMessage(outcome.limit), {
        cause: new Error(`the zip has ${outcome.entries} entries`),
      });
    case 'io':
      // Disk full, permissions: the gateway's problem, surfaced as the fs error it was.
      return Object.assign(new Error(outcome.message), {
        code: outcome.code,
        syscall: outcome.syscall,
      });
  }
}

/**
 * Unpacks `zip` (bytes, or the path of a zip file the worker reads in pieces) into the existing,
 * empty directory `dest` (see unzip-worker.ts for what is refused). Throws
 * InvalidParameterValueException for a bad archive or a limit passed; the caller removes `dest`
 * on failure.
 */
export async function unzipSafely(
  zip: Buffer | string,
  dest: string,
  limits: UnzipLimits,
  options: UnzipOptions = {},
): Promise<UnzipResult> {
  const lease = await leaseCodeWorker();
  let outcome: UnzipOutcome;
  try {
    // A copy of just these bytes, moved (not cloned again) into the worker; a path is only a path.
    const bytes = typeof zip === 'string' ? undefined : new Uint8Array(zip);
    const job: UnzipJob = { lamina: 'unzip', zip: bytes ?? zip, dest, limits };
    lease.post(job, bytes === undefined ? [] : [bytes.buffer]);
    outcome = await lease.answer<UnzipOutcome>(
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      'unpacking',
    );
  } catch (err) {
    await lease.kill();
    throw err;
  }
  // A refused archive may have left a write behind in the worker: only a clean one is reused.
  if (outcome.kind === 'ok') {
    lease.done();
    return { bytes: outcome.bytes, entries: outcome.entries };
  }
  await lease.kill();
  throw toError(outcome);
}

/**
 * Unpacks an uploaded zip in a worker thread (unzip-worker.ts) and turns its answer into the
 * Lambda error that names what was wrong: the entry-count or unpacked-size limit (with the
 * limit in the message, as Lambda's "Unzipped size must be smaller than 262144000 bytes"), or
 * "Could not unzip uploaded file" for an archive that is broken or unsafe.
 *
 * Invariants: the gateway's event loop never does the unpacking; one worker per call, ended
 * when the call ends (also on timeout), so a hostile archive costs one thread for a bounded time;
 * the worker runs in a slot of the process's decode pool (decode-pool.ts): a bounded number at
 * once, a bounded queue, TooManyRequestsException beyond.
 * The worker's entry file sits next to this module with this module's own extension: `.ts` in
 * the sources, `.js` in dist/, `.mjs` in the image, where images/bundle.mjs bundles it as
 * dist/unzip-worker.mjs beside dist/main.mjs.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { InvalidParameterValueException } from '@lamina/core';

import { decodePool } from './decode-pool.js';
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

const OWN_EXTENSION = extname(fileURLToPath(import.meta.url));
/** The upload worker's entry (also started by upload-decode.ts). */
export const WORKER_URL = new URL(`./unzip-worker${OWN_EXTENSION}`, import.meta.url);
/** From the sources (tests): Node.js 22 before 22.18 strips types only when asked. */
export const WORKER_EXEC_ARGV =
  OWN_EXTENSION === '.ts' ? ['--experimental-strip-types'] : undefined;
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
export function unzipSafely(
  zip: Buffer | string,
  dest: string,
  limits: UnzipLimits,
  options: UnzipOptions = {},
): Promise<UnzipResult> {
  return decodePool.run(() => unzipInWorker(zip, dest, limits, options));
}

async function unzipInWorker(
  zip: Buffer | string,
  dest: string,
  limits: UnzipLimits,
  options: UnzipOptions,
): Promise<UnzipResult> {
  // A copy of just these bytes, moved (not cloned again) into the worker; a path is only a path.
  const bytes = typeof zip === 'string' ? undefined : new Uint8Array(zip);
  const job: UnzipJob = { lamina: 'unzip', zip: bytes ?? zip, dest, limits };
  const worker = new Worker(WORKER_URL, {
    workerData: job,
    transferList: bytes === undefined ? [] : [bytes.buffer],
    ...(WORKER_EXEC_ARGV === undefined ? {} : { execArgv: WORKER_EXEC_ARGV }),
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const outcome = await new Promise<UnzipOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`unpacking did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
      };
      worker.once('message', (m: UnzipOutcome) => {
        settle();
        resolve(m);
      });
      worker.once('error', (err) => {
        settle();
        reject(err);
      });
      worker.once('exit', (code) => {
        settle();
        reject(new Error(`the unzip worker exited (${code}) without an answer`));
      });
    });
    if (outcome.kind === 'ok') return { bytes: outcome.bytes, entries: outcome.entries };
    throw toError(outcome);
  } finally {
    await worker.terminate();
  }
}

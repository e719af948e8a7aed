/**
 * The worker-thread entry that unpacks an uploaded zip off the gateway's event loop
 * (safe-unzip.ts), and that decodes a big upload's JSON body and base64 zip
 * (upload-decode.ts) — given whole, or streamed to it chunk by chunk as the request arrives, so the
 * gateway never gathers the body — so neither holds the event loop. Writing tens of thousands of files takes seconds of
 * CPU and I/O callbacks; in a worker the API keeps answering meanwhile. The unpacking itself,
 * with every refusal and limit, is service-kit's `unpack` (shared with the worker agent).
 *
 * Started as a reusable code worker (`{ lamina: 'code-worker' }`, code-workers.ts) it takes one
 * job per message — an `UnzipJob` or a `DecodeBodyJob`, a streamed body's chunks following the
 * job and ending with `null` — answers it, and waits for the next; started with a job as its
 * workerData it does that one job.
 *
 * Invariants:
 * - The answer is a plain `UnzipOutcome` message (errors do not keep their class across threads).
 * - This file runs as its own entry point: under Node.js's type stripping from the sources
 *   (tests), as dist/code/unzip-worker.js, and as the image's dist/unzip-worker.mjs bundle. So
 *   its only run-time import of this repository is the `@lamina/service-kit/unpack-zip` subpath
 *   (compiled dist/ from the sources and dist/, aliased to the source in the image bundle), and
 *   it uses no TypeScript that type stripping refuses (parameter properties, enums).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

import { decodeUploadBody, unpack, type UnzipLimits } from '@lamina/service-kit/unpack-zip';

export type { DecodedBody, UnzipLimits, UnzipOutcome } from '@lamina/service-kit/unpack-zip';

/** The workerData of an unzip worker. */
export interface UnzipJob {
  readonly lamina: 'unzip';
  /** The bytes, or the path of a zip file. */
  readonly zip: Uint8Array | string;
  readonly dest: string;
  readonly limits: UnzipLimits;
}

/** The workerData of a body-decoding worker (upload-body.ts in service-kit; code/upload-decode.ts). */
export interface DecodeBodyJob {
  readonly lamina: 'decode-body';
  /** The whole body; absent: it arrives as messages (Uint8Array chunks, then `null`). */
  readonly body?: Uint8Array;
  readonly zipPath: readonly string[];
}

/** The workerData of a reusable code worker. */
export interface CodeWorkerData {
  readonly lamina: 'code-worker';
}

type Post = (message: unknown, transfer?: readonly ArrayBuffer[]) => void;

function decodeAnswer(post: Post, bytes: Uint8Array, zipPath: readonly string[]): void {
  const decoded = decodeUploadBody(bytes, zipPath);
  const zip = decoded.kind === 'ok' ? decoded.zip : undefined;
  // Moved when it owns its memory; a small zip sits in Buffer's shared pool, which cannot move.
  const owns = zip?.byteOffset === 0 && zip.byteLength === zip.buffer.byteLength;
  post(decoded, owns ? [zip.buffer] : []);
}

function unzipAnswer(post: Post, { zip, dest, limits }: UnzipJob): Promise<void> {
  const source =
    typeof zip === 'string' ? zip : Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  return unpack(source, dest, limits).then((outcome) => {
    post(outcome);
  });
}

const job = workerData as
  Partial<UnzipJob> | Partial<DecodeBodyJob> | Partial<CodeWorkerData> | null;
if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const post: Post = (message, transfer = []) => {
    port.postMessage(message, [...transfer]);
  };
  if (job?.lamina === 'code-worker') {
    // One job at a time: a job message, then (a streamed body) its chunks and `null`.
    let chunks: Uint8Array[] | undefined;
    let zipPath: readonly string[] = [];
    port.on('message', (m: UnzipJob | DecodeBodyJob | Uint8Array | null) => {
      if (chunks !== undefined) {
        if (m instanceof Uint8Array) {
          chunks.push(m);
          return;
        }
        const body = Buffer.concat(chunks);
        chunks = undefined;
        decodeAnswer(post, body, zipPath);
        return;
      }
      if (m === null || m instanceof Uint8Array) return;
      if (m.lamina === 'unzip') {
        void unzipAnswer(post, m);
      } else if (m.body !== undefined) {
        decodeAnswer(post, m.body, m.zipPath);
      } else {
        chunks = [];
        zipPath = m.zipPath;
      }
    });
  } else if (job?.lamina === 'decode-body') {
    const { body, zipPath: path } = job as DecodeBodyJob;
    if (body !== undefined) {
      decodeAnswer(post, body, path);
    } else {
      const parts: Uint8Array[] = [];
      port.on('message', (chunk: Uint8Array | null) => {
        if (chunk !== null) {
          parts.push(chunk);
          return;
        }
        port.removeAllListeners('message');
        decodeAnswer(post, Buffer.concat(parts), path);
      });
    }
  } else if (job?.lamina === 'unzip') {
    void unzipAnswer(post, job as UnzipJob);
  }
}

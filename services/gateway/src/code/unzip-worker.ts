/**
 * The worker-thread entry that unpacks an uploaded zip off the gateway's event loop
 * (safe-unzip.ts starts one per upload), and that decodes a big upload's JSON body and base64 zip
 * (upload-decode.ts) — given whole, or streamed to it chunk by chunk as the request arrives, so the
 * gateway never gathers the body — so neither holds the event loop. Writing tens of thousands of files takes seconds of
 * CPU and I/O callbacks; in a worker the API keeps answering meanwhile. The unpacking itself,
 * with every refusal and limit, is service-kit's `unpack` (shared with the worker agent).
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

const job = workerData as Partial<UnzipJob> | Partial<DecodeBodyJob> | null;
if (!isMainThread && job?.lamina === 'decode-body' && parentPort !== null) {
  const port = parentPort;
  const { body, zipPath } = job as DecodeBodyJob;
  const answer = (bytes: Uint8Array): void => {
    const decoded = decodeUploadBody(bytes, zipPath);
    port.postMessage(
      decoded,
      decoded.kind === 'ok' && decoded.zip !== undefined ? [decoded.zip.buffer] : [],
    );
  };
  if (body !== undefined) {
    answer(body);
  } else {
    const chunks: Uint8Array[] = [];
    port.on('message', (chunk: Uint8Array | null) => {
      if (chunk !== null) {
        chunks.push(chunk);
        return;
      }
      port.removeAllListeners('message');
      answer(Buffer.concat(chunks));
    });
  }
}
if (!isMainThread && job?.lamina === 'unzip' && parentPort !== null) {
  const port = parentPort;
  const { zip, dest, limits } = job as UnzipJob;
  const source =
    typeof zip === 'string' ? zip : Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  void unpack(source, dest, limits).then((outcome) => {
    port.postMessage(outcome);
  });
}

/**
 * bench/decode-workers' reused worker: decodes one upload body per message, the same function as
 * the gateway's per-job worker (service-kit's decodeUploadBody), and answers each.
 */
import { parentPort } from 'node:worker_threads';

import { decodeUploadBody } from '@lamina/service-kit/unpack-zip';

parentPort?.on('message', (job: { body: Uint8Array; zipPath: readonly string[] }) => {
  const decoded = decodeUploadBody(job.body, job.zipPath);
  parentPort?.postMessage(
    decoded,
    decoded.kind === 'ok' && decoded.zip !== undefined ? [decoded.zip.buffer] : [],
  );
});

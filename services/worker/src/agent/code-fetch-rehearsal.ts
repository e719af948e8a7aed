/**
 * A generic pod's dress rehearsal of its specialise call (issue #15, ADR 0019): while the pod is
 * still generic, the agent fetches a tiny zip of its own making over loopback HTTP, checks its
 * SHA-256 and unpacks it — the same `fetchCode` a specialisation runs — then removes it. The
 * first run of that path in a fresh Node.js pays for lazy compilation and the first use of the
 * HTTP client, zlib and crypto (measured on the 2-core host: ~90–110 ms first, 3–10 ms after);
 * on a pod's throttled CPU share that was most of the specialise call. Rehearsed once, a cold
 * call's specialisation runs warm code.
 *
 * Invariants: nothing of any function is involved (the zip is made here); the rehearsal's folder
 * is a private one under the code cache, removed afterwards; a failure is logged and ignored (the
 * real fetch works or fails on its own); the loopback server listens only for its one request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { rm } from 'node:fs/promises';

import { parseSpecializationRequest } from '@lamina/core';
import { packZip } from '@lamina/service-kit/pack-zip';

import type { WorkerLogger } from '../types.js';
import { fetchCode } from './code-fetch.js';

/** A handler-sized file, deflated (the inflate path is the one real packages take). */
const REHEARSAL_FILE = 'export const handler = async (event) => event;\n'.repeat(8);

const REHEARSAL_REQUEST = {
  functionName: 'rehearsal',
  version: '$LATEST',
  runtime: 'nodejs22.x',
  handler: 'index.handler',
  memorySizeMb: 128,
  timeoutSeconds: 3,
  ephemeralStorageMb: 512,
  environment: {},
  codeSha256Hex: '0'.repeat(64),
};

/** Runs one specialise-sized fetch against itself; resolves with its duration (ms), or undefined. */
export async function rehearseCodeFetch(
  cacheDir: string,
  logger: WorkerLogger,
): Promise<number | undefined> {
  const zip = packZip([{ name: 'index.mjs', data: Buffer.from(REHEARSAL_FILE) }], {
    deflate: true,
  });
  const hex = createHash('sha256').update(zip).digest('hex');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length });
    res.end(zip);
  });
  const scratch = path.join(cacheDir, `.rehearsal-${randomBytes(6).toString('hex')}`);
  const started = performance.now();
  try {
    // The request's check too (its schema's first use), with a request of no real function.
    parseSpecializationRequest(Buffer.from(JSON.stringify(REHEARSAL_REQUEST)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    await fetchCode({
      baseUrl: `http://127.0.0.1:${String(port)}`,
      sha256Hex: hex,
      token: 'rehearsal',
      cacheDir: scratch,
    });
    return performance.now() - started;
  } catch (err) {
    logger.warn({ err }, 'rehearsing the code fetch failed; the first specialisation runs cold');
    return undefined;
  } finally {
    server.close();
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

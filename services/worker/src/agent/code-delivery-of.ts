/**
 * Which way the pod gets its code: over HTTP (LAMINA_CODE_URL set and a valid hex) as a
 * CodeDelivery that fetches into the pod's own LAMINA_CODE_CACHE_DIR, or undefined for the
 * mounted code store (LAMINA_CODE_DIR, code-location.ts), which also reports a missing or
 * malformed hex.
 */
import type { WorkerLogger } from '../types.js';
import { CodeDelivery } from './code-delivery.js';
import { fetchCode } from './code-fetch.js';
import type { AgentConfig } from './config.js';

const HEX = /^[0-9a-f]{64}$/;

export function codeDeliveryOf(
  config: AgentConfig,
  logger: WorkerLogger,
): CodeDelivery | undefined {
  const { codeUrl, codeSha256Hex } = config;
  if (codeUrl === undefined || codeSha256Hex === undefined || !HEX.test(codeSha256Hex)) {
    return undefined;
  }
  return new CodeDelivery({
    logger,
    attempt: () =>
      fetchCode({
        baseUrl: codeUrl,
        sha256Hex: codeSha256Hex,
        token: config.codeToken,
        cacheDir: config.codeCacheDir,
      }),
  });
}

/**
 * A streamed HTTP response (`application/vnd.awslambda.http-integration-response`): a JSON
 * prelude (`statusCode`, `headers`, `cookies`), eight NUL bytes, then the body bytes as written.
 * The worker delivers a streamed response whole today, so this maps the assembled bytes.
 *
 * Invariant: pure; no delimiter or an invalid prelude maps to `undefined` (502).
 */
import { toUrlResponse, type UrlResponse } from './url-response.js';

export const INTEGRATION_RESPONSE_TYPE = 'application/vnd.awslambda.http-integration-response';

const DELIMITER = Buffer.alloc(8);

export function fromIntegrationResponse(payload: Buffer): UrlResponse | undefined {
  const at = payload.indexOf(DELIMITER);
  if (at < 0) return undefined;
  let prelude: unknown;
  try {
    prelude = JSON.parse(payload.subarray(0, at).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof prelude !== 'object' || prelude === null || Array.isArray(prelude)) return undefined;
  const head = toUrlResponse(
    Buffer.from(
      JSON.stringify({ statusCode: 200, ...(prelude as Record<string, unknown>), body: '' }),
    ),
  );
  if (head === undefined) return undefined;
  return { ...head, body: payload.subarray(at + DELIMITER.length) };
}

/**
 * Sealed variables (ADR 0046): a pod whose function's variables are sealed under a KMS key has
 * none in its projected volume; it fetches them once, at start, from the gateway
 * (`GET <base>/lamina/v1/environment/<Secret>` with that Secret's token), which opens the
 * envelope with the key. The agent never sees the key, the runtime never sees the token.
 *
 * Invariants: the function never runs without its variables — a fetch that keeps failing (the
 * gateway unreachable, the key gone: Lambda's KMS* answer) throws after `attempts`, and the agent
 * exits with the reason, so the kubelet restarts it (and it tries again) instead of serving
 * calls with a partial environment. Each try is bounded by `timeoutMs`.
 */
import { backoffDelay, ENVIRONMENT_PATH, ENVIRONMENT_TOKEN_HEADER } from '@lamina/core';

export interface SealedEnvironmentOptions {
  /** The gateway's base URL (LAMINA_SEALED_ENVIRONMENT_URL). */
  readonly baseUrl: string | undefined;
  readonly secretName: string;
  readonly token: string | undefined;
  readonly timeoutMs?: number;
  readonly attempts?: number;
  /** First retry delay; default 500 ms, growing to 10 s. */
  readonly baseDelayMs?: number;
  readonly onRetry?: (attempt: number, reason: string) => void;
}

/** Why the variables could not be fetched. */
export class SealedEnvironmentError extends Error {
  override readonly name = 'SealedEnvironmentError';
}

const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string');

async function fetchOnce(
  o: SealedEnvironmentOptions,
  url: string,
): Promise<Record<string, string>> {
  const res = await fetch(url, {
    headers: o.token === undefined ? {} : { [ENVIRONMENT_TOKEN_HEADER]: o.token },
    signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  if (res.status !== 200) {
    const type = res.headers.get('x-amzn-errortype') ?? '';
    throw new SealedEnvironmentError(
      `GET ${url} answered ${String(res.status)} ${type}: ${text.slice(0, 300)}`,
    );
  }
  const body = JSON.parse(text) as { variables?: unknown };
  if (!isStringMap(body.variables))
    throw new SealedEnvironmentError(`GET ${url}: the answer holds no map of variables`);
  return body.variables;
}

/** The function's sealed variables, opened by the gateway; throws after the last attempt. */
export async function fetchSealedEnvironment(
  o: SealedEnvironmentOptions,
): Promise<Record<string, string>> {
  if (o.baseUrl === undefined)
    throw new SealedEnvironmentError(
      'the variables are sealed but LAMINA_SEALED_ENVIRONMENT_URL (the gateway) is not set',
    );
  const url = `${o.baseUrl.replace(/\/+$/, '')}${ENVIRONMENT_PATH}/${encodeURIComponent(o.secretName)}`;
  const attempts = o.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchOnce(o, url);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (attempt >= attempts) throw new SealedEnvironmentError(reason, { cause: err });
      o.onRetry?.(attempt, reason);
      const delay = backoffDelay(attempt - 1, {
        baseMs: o.baseDelayMs ?? 500,
        maxMs: 10_000,
        jitter: 0.5,
      });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

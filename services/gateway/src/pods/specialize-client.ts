/**
 * The specialise call to a generic worker pod's agent (core's `agent-specialization.ts`): one
 * JSON POST on a fresh connection, bounded by a timeout. Any network failure is `unreachable`:
 * the caller tries another pod (if the agent did take the request and the answer was lost, that
 * pod stays unused until its idle expiry — rare, and visible in the agent's log).
 */
import {
  AGENT_SPECIALIZE_PATH,
  type SpecializationAnswer,
  type SpecializationRequest,
} from '@lamina/core';

export interface SpecializeCall {
  readonly ip: string;
  readonly port: number;
  readonly request: SpecializationRequest;
  readonly timeoutMs: number;
}

export type SpecializeResult =
  | { readonly kind: 'answer'; readonly status: number; readonly message?: string }
  | { readonly kind: 'unreachable'; readonly message: string };

/** Faked in the warm pool's unit tests. */
export interface SpecializeClient {
  specialize(call: SpecializeCall): Promise<SpecializeResult>;
}

/** Over node's fetch. */
export class HttpSpecializeClient implements SpecializeClient {
  async specialize(call: SpecializeCall): Promise<SpecializeResult> {
    const host = call.ip.includes(':') ? `[${call.ip}]` : call.ip;
    try {
      const res = await fetch(`http://${host}:${String(call.port)}${AGENT_SPECIALIZE_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(call.request),
        signal: AbortSignal.timeout(call.timeoutMs),
      });
      const text = await res.text();
      let message: string | undefined;
      try {
        message = (JSON.parse(text) as SpecializationAnswer).message;
      } catch {
        message = text.slice(0, 300);
      }
      return { kind: 'answer', status: res.status, ...(message === undefined ? {} : { message }) };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return {
        kind: 'unreachable',
        message: `${err instanceof Error ? err.message : String(err)}${cause === undefined ? '' : ` (${cause})`}`,
      };
    }
  }
}

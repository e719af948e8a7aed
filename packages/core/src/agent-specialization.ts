/**
 * The specialise call of a generic worker pod (cluster mode, issue #15 item 3, ADR 0019): a
 * gateway that holds a cold call claims a pre-warmed pod without code by POSTing the version it
 * is to become. The agent accepts exactly one such request in its life (the claim is atomic in
 * the agent: a second gateway racing for the same pod gets 409 `claimed` and tries another),
 * fetches the code by SHA-256 with the per-code token, checks the hash, and from then on serves
 * only that version. Both sides use this file, so the shape is written once.
 *
 * Invariants: the request carries the function's variables as values (a generic pod has no
 * Secret mounted) and the token of exactly the code it names (a pod can fetch only that code);
 * `parseSpecializationRequest` accepts nothing else (unknown or malformed fields are refused).
 */
import { z } from 'zod';

import { LIMITS } from './limits.js';
import { parseLoggingConfig } from './logging-config.js';

/** Path of the specialise call on the agent's port. */
export const AGENT_SPECIALIZE_PATH = '/v1/specialize';

/** What a generic pod becomes. */
export interface SpecializationRequest {
  readonly functionName: string;
  /** `$LATEST` or a version number. */
  readonly version: string;
  /** Must be the runtime the generic pod was started for. */
  readonly runtime: string;
  readonly handler: string;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  readonly ephemeralStorageMb: number;
  /** The function's variables, exactly as a fresh pod of the version would read them. */
  readonly environment: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the code package; the zip is checked against it before use. */
  readonly codeSha256Hex: string;
  /** The code route's token for this code (HMAC of the hex); absent: no token required. */
  readonly codeToken?: string;
  /** The version's LoggingConfig as the API's members (`loggingMembers`); absent: Text. */
  readonly loggingConfig?: Readonly<Record<string, string>>;
}

/** Why a specialise request was not taken: the pod is no longer (or not) a candidate. */
export type SpecializationRefusal = 'claimed' | 'wrong-runtime' | 'not-generic';

export const SPECIALIZATION_REFUSAL_STATUS: Readonly<Record<SpecializationRefusal, number>> = {
  claimed: 409,
  'wrong-runtime': 409,
  'not-generic': 409,
};

/** The body of every answer: `ok` on 200, a refusal on 409, an error message otherwise. */
export interface SpecializationAnswer {
  readonly ok: boolean;
  readonly refusal?: SpecializationRefusal;
  readonly message?: string;
}

const schema = z
  .object({
    functionName: z.string().min(1).max(LIMITS.functionNameMaxLength),
    version: z.string().regex(/^(\$LATEST|\d+)$/),
    runtime: z.string().min(1),
    handler: z.string().min(1).max(LIMITS.handlerMaxLength),
    memorySizeMb: z.number().int().min(LIMITS.memoryMinMb).max(LIMITS.memoryMaxMb),
    timeoutSeconds: z.number().int().min(LIMITS.timeoutMinSeconds).max(LIMITS.timeoutMaxSeconds),
    ephemeralStorageMb: z
      .number()
      .int()
      .min(LIMITS.ephemeralStorageMinMb)
      .max(LIMITS.ephemeralStorageMaxMb),
    environment: z.record(z.string(), z.string()),
    codeSha256Hex: z.string().regex(/^[0-9a-f]{64}$/),
    codeToken: z.string().min(1).optional(),
    loggingConfig: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** The request of a JSON body, or the reason it is not one. */
export function parseSpecializationRequest(
  body: Buffer,
):
  | { readonly ok: true; readonly request: SpecializationRequest }
  | { readonly ok: false; readonly reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    return {
      ok: false,
      reason: r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    };
  }
  const { codeToken, loggingConfig, ...rest } = r.data;
  try {
    parseLoggingConfig(loggingConfig, undefined);
  } catch (err) {
    return { ok: false, reason: `loggingConfig: ${err instanceof Error ? err.message : ''}` };
  }
  return {
    ok: true,
    request: {
      ...rest,
      ...(codeToken === undefined ? {} : { codeToken }),
      ...(loggingConfig === undefined ? {} : { loggingConfig }),
    },
  };
}

/**
 * The request guard (issue #18): who is calling (SigV4, core's beginSigV4, against the key
 * ring) and whether they may (the key's identity policy, then the function's resource policy),
 * in two steps that throw Lambda's typed errors: `begin` from the headers alone (unsigned,
 * unknown key, expired, a wrong signature when the payload hash is declared), then `finish` with
 * the body (its hash, CreateFunction's FunctionName, the policies). The express API
 * (auth-middleware.ts) reads a body only after `begin` passed.
 *
 * Invariants: with no key ring the gateway is open — every request passes as anonymous, still
 * described for the audit log; statements' Conditions see the request's keys (core's
 * conditionContextOf: source IP, time, TLS, principal, and aws:SourceArn/SourceAccount only for
 * a platform key naming its event source, ADR 0046); an explicit Deny in the identity policy
 * wins over every Allow, the resource policy's included; a resource policy admits only for the
 * exact qualifier it was added to; every refusal is audited and counted before it is thrown.
 */
import type { IncomingHttpHeaders } from 'node:http';

import {
  AccessDeniedException,
  type ArnContext,
  beginSigV4,
  type ConditionContext,
  conditionContextOf,
  EMPTY_SHA256,
  evaluatePolicy,
  LaminaError,
  type PendingSignature,
  type PermissionStatement,
  resourcePolicyAllows,
  sha256Hex,
  SOURCE_ARN_HEADER,
  sourceAccountOf,
  type VerifiedCaller,
} from '@lamina/core';

import type { Clock } from '../deps.js';
import { type KeyLookup, sessionOfKey } from './access-keys.js';
import type { AuditLog } from './audit-log.js';
import { isUnsigned, type Operation, operationOf } from './operations.js';

/** What the guard sees before the body is read. */
export interface GuardHead {
  readonly method: string;
  /** Raw path and query as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress?: string;
  readonly requestId?: string;
  /** It came over TLS (aws:SecureTransport). */
  readonly secure?: boolean;
}

/** The body, as far as the reader has it. */
export interface GuardBody {
  /** The whole body, when the request has one. */
  readonly body?: Buffer;
  /** Its SHA-256 (hex), when the reader computed it already (then `body` may be absent). */
  readonly bodyHash?: string;
  /** The body already parsed as JSON (a big upload decoded off the loop). */
  readonly json?: unknown;
}

export type GuardRequest = GuardHead & GuardBody;

/** A request whose headers passed: what is left to decide needs the body. */
export interface GuardStep {
  /**
   * The signature itself is unchecked until the body's hash is known (no `x-amz-content-sha256`:
   * botocore, the AWS CLI). The body may be read and hashed, but nothing else done with it first.
   */
  readonly needsBody: boolean;
  /** The body's hash only (hex): refuses a body that is not the one signed, before it is used. */
  checkBodyHash(bodyHash: string): void;
  /** The rest, with the body: its hash (if not checked yet), then the policies. */
  finish(body: GuardBody): Promise<Identity>;
}

export interface RequestGuard {
  /** From the headers alone; throws Lambda's error (audited) before any body is read. */
  begin(head: GuardHead): GuardStep;
}

/** Both steps at once (a body already read). */
export function guardRequest(guard: RequestGuard, req: GuardRequest): Promise<Identity> {
  try {
    return guard.begin(req).finish(req);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

export interface Identity {
  /** Absent: an open gateway (no keys) or an unsigned path. */
  readonly accessKeyId?: string;
  readonly arn?: string;
  /** The operation called; absent for a path the API does not have. */
  readonly operation?: Operation;
}

export interface RequestGuardOptions {
  /** Absent: open (local mode without a keys file). */
  readonly keys?: KeyLookup;
  readonly arn: ArnContext;
  readonly clock: Clock;
  /** A function's resource policy statements for one qualifier (`''`: unqualified). */
  readonly policyOf: (fn: string, qualifier: string) => readonly PermissionStatement[] | undefined;
  readonly audit?: Pick<AuditLog, 'record' | 'refused'>;
}

const SIGNING_NAMES = ['lambda', 'scheduler', 'execute-api'];

function jsonObject(
  body: Buffer | undefined,
  json: unknown,
): () => Record<string, unknown> | undefined {
  let parsed: Record<string, unknown> | undefined | null = null;
  return () => {
    if (parsed !== null) return parsed;
    parsed = undefined;
    if (json !== undefined) {
      if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
        parsed = json as Record<string, unknown>;
      }
      return parsed;
    }
    if (body === undefined || body.length === 0) return parsed;
    try {
      const v = JSON.parse(body.toString('utf8')) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        parsed = v as Record<string, unknown>;
      }
    } catch {
      // Not JSON: the route answers that.
    }
    return parsed;
  };
}

/** One header's value (the first, when repeated); absent or empty: undefined. */
function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined || one === '' ? undefined : one;
}

function denied(arn: string, op: Operation, explicit: boolean): LaminaError {
  const why = explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${op.action} action`;
  return new AccessDeniedException(
    `User: ${arn} is not authorized to perform: ${op.action} on resource: ${op.resource} ${why}`,
  );
}

/** Another account's function: no resource-based policy of it can be read here (AWS's 403). */
function crossAccountDenied(arn: string, op: Operation): LaminaError {
  return new AccessDeniedException(
    `User: ${arn} is not authorized to perform: ${op.action} on resource: ${op.resource} because no resource-based policy allows the ${op.action} action`,
  );
}

export function createRequestGuard(o: RequestGuardOptions): RequestGuard {
  const authorise = (
    arn: string,
    policy: Parameters<typeof evaluatePolicy>[0],
    op: Operation,
    context: ConditionContext,
    service: boolean,
  ) => {
    const decision = evaluatePolicy(policy, op.action, op.resource, context);
    if (decision === 'allow') return;
    if (decision === 'implicit-deny' && op.fn !== undefined) {
      const statements = o.policyOf(op.fn.name, op.fn.qualifier ?? '');
      if (
        statements !== undefined &&
        resourcePolicyAllows(statements, { arn, action: op.action, context, service })
      ) {
        return;
      }
    }
    throw denied(arn, op, decision === 'explicit-deny');
  };

  /** Audits and counts a refusal; the error to throw. */
  const refusal = (
    err: unknown,
    head: GuardHead,
    path: string,
    op: Operation | undefined,
    who: { accessKeyId?: string; arn?: string },
  ): LaminaError => {
    const error = LaminaError.from(err);
    o.audit?.refused(error.name);
    o.audit?.record({
      time: new Date(o.clock.now()).toISOString(),
      ...(who.accessKeyId === undefined ? {} : { accessKeyId: who.accessKeyId }),
      ...(who.arn === undefined ? {} : { principal: who.arn }),
      operation: op?.name ?? `${head.method} ${path}`,
      ...(op === undefined ? {} : { resource: op.resource }),
      result: error.name,
      status: error.status,
      requestId: head.requestId ?? '',
      sourceAddress: head.remoteAddress ?? '',
    });
    return error;
  };

  const NO_BODY: GuardBody = {};
  return {
    begin: (head) => {
      const q = head.url.indexOf('?');
      const path = q < 0 ? head.url : head.url.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : head.url.slice(q + 1));
      const opOf = (b: GuardBody) =>
        operationOf(head.method, path, query, o.arn, jsonObject(b.body, b.json));
      const keys = o.keys;
      if (keys === undefined || isUnsigned(path)) {
        return {
          needsBody: false,
          checkBodyHash: () => undefined,
          finish: (b) => {
            const op = opOf(b);
            if (op?.foreign === true && keys === undefined) {
              // An open gateway's caller is the account itself; AWS refuses another account's function.
              return Promise.reject(crossAccountDenied(`arn:aws:iam::${o.arn.accountId}:root`, op));
            }
            return Promise.resolve(op === undefined ? {} : { operation: op });
          },
        };
      }
      let pending: PendingSignature;
      try {
        pending = beginSigV4(
          { method: head.method, url: head.url, headers: head.headers },
          {
            secretOf: (id) => keys.get(id)?.secretAccessKey,
            sessionOf: (id) => sessionOfKey(keys.get(id)),
            region: o.arn.region,
            services: SIGNING_NAMES,
            now: o.clock.now(),
          },
        );
      } catch (err) {
        throw refusal(err, head, path, opOf(NO_BODY), {});
      }
      const accessKeyId = pending.accessKeyId;
      let verified: VerifiedCaller | undefined;
      const checkBodyHash = (bodyHash: string): void => {
        try {
          verified = pending.complete(bodyHash);
        } catch (err) {
          throw refusal(err, head, path, opOf(NO_BODY), { accessKeyId });
        }
      };
      return {
        needsBody: pending.needsBody,
        checkBodyHash,
        finish: (b) => {
          if (verified === undefined) {
            try {
              checkBodyHash(
                b.bodyHash ??
                  (b.body === undefined || b.body.length === 0 ? EMPTY_SHA256 : sha256Hex(b.body)),
              );
            } catch (err) {
              return Promise.reject(LaminaError.from(err)); // audited by checkBodyHash
            }
          }
          let arn: string | undefined;
          let op: Operation | undefined;
          try {
            op = opOf(b);
            const key = keys.get(accessKeyId);
            if (key === undefined) throw new Error('key vanished during the call');
            arn = key.arn;
            if (op?.foreign === true) throw crossAccountDenied(key.arn, op);
            if (op !== undefined) {
              // The event source a platform service calls for (signed); from any other key, or
              // outside the signature, it is not believed.
              const source =
                key.platform === true &&
                verified?.signedHeaders.includes(SOURCE_ARN_HEADER) === true
                  ? headerOf(head.headers, SOURCE_ARN_HEADER)
                  : undefined;
              const context = conditionContextOf({
                principalArn: key.arn,
                accountId: o.arn.accountId,
                region: o.arn.region,
                ...(head.remoteAddress === undefined ? {} : { sourceIp: head.remoteAddress }),
                now: o.clock.now(),
                secureTransport: head.secure === true,
                ...(source === undefined
                  ? {}
                  : { sourceArn: source, sourceAccount: sourceAccountOf(source, o.arn.accountId) }),
              });
              authorise(key.arn, key.policy, op, context, source !== undefined);
            }
            return Promise.resolve({
              accessKeyId,
              arn,
              ...(op === undefined ? {} : { operation: op }),
            });
          } catch (err) {
            return Promise.reject(
              refusal(err, head, path, op, { accessKeyId, ...(arn === undefined ? {} : { arn }) }),
            );
          }
        },
      };
    },
  };
}

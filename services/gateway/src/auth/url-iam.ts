/**
 * AWS_IAM function URLs (issue #18): the request must be SigV4-signed for service `lambda` by a
 * known key, and the caller must be allowed `lambda:InvokeFunctionUrl` on the URL's function —
 * by its identity policy, or by a resource policy statement whose FunctionUrlAuthType is AWS_IAM
 * (or unset). Function URLs answer every refusal with 403 `Forbidden`, as AWS does, so this only
 * says yes or no.
 *
 * Invariants: an open gateway (no keys) accepts any signed request, as before; an explicit Deny
 * refuses whatever a resource policy says.
 */
import type { IncomingMessage } from 'node:http';

import {
  type ArnContext,
  conditionContextOf,
  EMPTY_SHA256,
  evaluatePolicy,
  functionArn,
  type PermissionStatement,
  resourcePolicyAllows,
  sha256Hex,
  verifySigV4,
} from '@lamina/core';

import type { Clock } from '../deps.js';
import { type KeyLookup, sessionOfKey } from './access-keys.js';

export interface UrlIamOptions {
  readonly keys: KeyLookup;
  readonly arn: ArnContext;
  readonly clock: Clock;
  readonly policyOf: (fn: string, qualifier: string) => readonly PermissionStatement[] | undefined;
}

const ACTION = 'lambda:InvokeFunctionUrl';

export function urlIamAllows(
  o: UrlIamOptions,
  req: IncomingMessage,
  body: Buffer,
  target: { readonly functionName: string; readonly qualifier?: string | undefined },
): boolean {
  let accessKeyId: string;
  try {
    accessKeyId = verifySigV4(
      {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        bodyHash: body.length === 0 ? EMPTY_SHA256 : sha256Hex(body),
      },
      {
        secretOf: (id) => o.keys.get(id)?.secretAccessKey,
        sessionOf: (id) => sessionOfKey(o.keys.get(id)),
        region: o.arn.region,
        services: ['lambda'],
        now: o.clock.now(),
      },
    ).accessKeyId;
  } catch {
    return false;
  }
  const key = o.keys.get(accessKeyId);
  if (key === undefined) return false;
  const resource = functionArn(o.arn, target.functionName, target.qualifier);
  const context = conditionContextOf({
    principalArn: key.arn,
    accountId: o.arn.accountId,
    region: o.arn.region,
    sourceIp: req.socket.remoteAddress ?? '',
    now: o.clock.now(),
    secureTransport: 'encrypted' in req.socket && req.socket.encrypted === true,
    functionUrlAuthType: 'AWS_IAM',
  });
  const decision = evaluatePolicy(key.policy, ACTION, resource, context);
  if (decision !== 'implicit-deny') return decision === 'allow';
  const statements = o.policyOf(target.functionName, target.qualifier ?? '') ?? [];
  return resourcePolicyAllows(statements, {
    arn: key.arn,
    action: ACTION,
    functionUrlAuthType: 'AWS_IAM',
    context,
  });
}

/**
 * Access keys of a signed cluster gateway (issue #18) as the suites create them: one Secret per
 * key, labelled `lamina.dev/access-key=true` (services/gateway/src/cluster/secret-keys.ts).
 */

/** An access key as a labelled Secret holds it (services/gateway/src/cluster/secret-keys.ts). */
export interface TestAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly user?: string;
  readonly policy: unknown;
}

/** The Secret that gives the gateway `key` (apply it with kubectl; delete it to revoke). */
export function accessKeySecret(ns: string, name: string, key: TestAccessKey): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, labels: { 'lamina.dev/access-key': 'true' } },
    stringData: {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      policy: JSON.stringify(key.policy),
      ...(key.user === undefined ? {} : { user: key.user }),
    },
  });
}

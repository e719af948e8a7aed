/**
 * Cluster mode's access keys (issue #18): Secrets labelled `lamina.dev/access-key=true` in the
 * gateway's namespace, each holding one key — `accessKeyId`, `secretAccessKey`, `policy` (an IAM
 * policy document, JSON) and optionally `user`, and for temporary credentials `sessionToken` and
 * `expiration` — watched by a restarting informer, so creating,
 * rotating or deleting a Secret changes who may call within moments and without a restart.
 *
 * Invariants: the ring is replaced whole from the informer's cache on every event, so a deleted
 * Secret's key stops working at once; a malformed Secret is logged and left out; the factory
 * resolves once the first list has filled the ring.
 */
import { CoreV1Api, type KubeConfig, makeInformer, type V1Secret } from '@kubernetes/client-node';
import { RestartingInformer } from '@lamina/kube';
import type { Logger } from 'pino';

import { type AccessKey, accessKeyOf, type KeyRing } from '../auth/access-keys.js';

export const ACCESS_KEY_LABEL = 'lamina.dev/access-key';
const SELECTOR = `${ACCESS_KEY_LABEL}=true`;

const text = (secret: V1Secret, field: string): string | undefined => {
  const b64 = secret.data?.[field];
  if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
  return secret.stringData?.[field];
};

/** The key a Secret holds; throws with the reason when it holds none. */
export function keyOfSecret(secret: V1Secret, accountId: string): AccessKey {
  return accessKeyOf(
    {
      accessKeyId: text(secret, 'accessKeyId'),
      secretAccessKey: text(secret, 'secretAccessKey'),
      policy: text(secret, 'policy'),
      user: text(secret, 'user'),
      sessionToken: text(secret, 'sessionToken'),
      expiration: text(secret, 'expiration'),
      platform: text(secret, 'platform'),
    },
    accountId,
  );
}

export interface SecretKeysOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly accountId: string;
  readonly logger: Logger;
  readonly onStop: (stop: () => Promise<void>) => void;
}

/** Fills `ring` from the labelled Secrets and keeps it current until stopped. */
export async function followSecretKeys(o: SecretKeysOptions, ring: KeyRing): Promise<void> {
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const { namespace } = o;
  const informer = new RestartingInformer<V1Secret>({
    name: 'gateway-access-keys',
    informer: makeInformer<V1Secret>(
      o.kubeConfig,
      `/api/v1/namespaces/${namespace}/secrets`,
      () => core.listNamespacedSecret({ namespace, labelSelector: SELECTOR }),
      SELECTOR,
    ),
    logger: o.logger,
  });
  const refill = (): void => {
    const keys: AccessKey[] = [];
    for (const secret of informer.list()) {
      try {
        keys.push(keyOfSecret(secret, o.accountId));
      } catch (err) {
        o.logger.warn(
          { secret: secret.metadata?.name, problem: (err as Error).message },
          'access key Secret left out',
        );
      }
    }
    ring.replace('secrets', keys);
  };
  for (const event of ['add', 'update', 'delete'] as const) informer.on(event, refill);
  o.onStop(() => informer.stop());
  await informer.start();
  refill();
  o.logger.info({ namespace, keys: ring.size }, 'access keys follow the labelled Secrets');
}

/**
 * Issue #16 against the real API server (cluster mode): the same contract cases as local mode
 * (../support/api-fidelity.ts) through the unmodified AWS SDK, with functions stored as custom
 * resources. No worker image: nothing here needs a pod.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';

import { uniqueName } from '@lamina/testkit';
import { checkApiFidelity } from '../support/api-fidelity.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';

describe('API fidelity through @aws-sdk/client-lambda (cluster mode)', () => {
  let lamina: ClusterLamina | undefined;

  beforeAll(async () => {
    // No replica to run: a function is Active once its (empty) Deployment is observed.
    lamina = await startClusterLamina({
      name: 'fidelity',
      runtime: null,
      operatorEnv: { LAMINA_WORKER_MIN_REPLICAS: '0' },
    });
  }, 600_000);

  afterAll(async () => {
    await lamina?.stop();
  }, 120_000);

  it('answers as AWS does: validation, names, statuses, texts and shapes', async () => {
    if (lamina === undefined) throw new Error('not started');
    await checkApiFidelity(lamina.lambda, uniqueName('fid'));
  }, 120_000);
});

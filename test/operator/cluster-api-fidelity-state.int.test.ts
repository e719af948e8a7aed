/**
 * Issue #16's state machine, tags and small operations against the real API server: the state is
 * what the operator reports (the worker Deployment runs no replica here, so a rollout is done as
 * soon as it is observed), tags and settings live on the Function resource.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';

import { uniqueName } from '@lamina/testkit';
import { checkStateMachine, checkTagsAndSettings } from '../support/api-fidelity-state.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';

describe('the state machine, tags and small operations (cluster mode)', () => {
  let lamina: ClusterLamina | undefined;

  beforeAll(async () => {
    lamina = await startClusterLamina({
      name: 'fidelity-state',
      runtime: null,
      operatorEnv: { LAMINA_WORKER_MIN_REPLICAS: '0' },
    });
  }, 600_000);

  afterAll(async () => {
    await lamina?.stop();
  }, 120_000);

  it('goes Pending → Active and InProgress → Successful with the SDK v3 waiters', async () => {
    if (lamina === undefined) throw new Error('not started');
    await checkStateMachine(lamina.lambda, uniqueName('fid-st'), { held: false });
  }, 240_000);

  it('tags, code signing, runtime management, recursion, another account', async () => {
    if (lamina === undefined) throw new Error('not started');
    await checkTagsAndSettings(lamina.lambda, uniqueName('fid-tag'));
  }, 120_000);
});

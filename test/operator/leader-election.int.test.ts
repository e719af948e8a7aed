import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import {
  buildOperator,
  createNamespace,
  deleteNamespace,
  getJson,
  installCrds,
  kubectlOk,
  startOperator,
  type OperatorProcess,
} from './support/cluster.js';
import { eventsOf, getDeployment } from './support/resources.js';

// Two operator processes at once: only the Lease holder reconciles; SIGKILL the leader and the
// other takes over after the lease expires, and reconciles from then on.

interface LeaseJson {
  spec: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number };
}

const fn = (name: string): string => `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata:
  name: ${name}
spec:
  runtime: python3.13
  handler: app.handler
  code:
    sha256: ${'d'.repeat(64)}
`;

const LEASE_ENV = {
  LAMINA_LEASE_DURATION_SECONDS: '4',
  LAMINA_LEASE_RENEW_DEADLINE_SECONDS: '3',
  LAMINA_LEASE_RETRY_PERIOD_SECONDS: '1',
};

const leading = (p: OperatorProcess): boolean => p.logs().includes('became the leader');

describe('leader election with a Lease', () => {
  let ns = '';
  let a: OperatorProcess;
  let b: OperatorProcess;

  beforeAll(async () => {
    await Promise.all([installCrds(), buildOperator()]);
    ns = await createNamespace('le');
    a = startOperator({ namespace: ns, identity: 'op-a', env: LEASE_ENV });
    b = startOperator({ namespace: ns, identity: 'op-b', env: LEASE_ENV });
  });

  afterAll(async () => {
    for (const p of [a, b]) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await deleteNamespace(ns);
  });

  it('lets exactly one of two processes lead and reconcile, and the other take over when it is killed', async () => {
    const lease = await eventually(
      async () => {
        const l = await getJson<LeaseJson>(['get', 'lease', 'lamina-operator', '-n', ns]);
        return l?.spec.holderIdentity ? l : undefined;
      },
      { what: 'a leader' },
    );
    const leaderId = lease.spec.holderIdentity!;
    const [leader, standby] = leaderId === 'op-a' ? [a, b] : [b, a];
    await eventually(() => Promise.resolve(leading(leader) || undefined), { what: 'leader log' });

    await kubectlOk(['apply', '-n', ns, '-f', '-'], fn('before'));
    await eventually(() => getDeployment(ns, 'before-latest'), { what: 'before reconciled' });
    // Give the standby every chance to misbehave: it must still be waiting.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(leading(standby)).toBe(false);
    const first = await eventsOf(ns, 'before');
    expect(new Set(first.map((e) => e.reportingInstance))).toEqual(new Set([leaderId]));

    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited;
    await eventually(() => Promise.resolve(leading(standby) || undefined), {
      what: 'standby leads',
      timeoutMs: 30_000,
    });
    const takeover = Date.now() - killedAt;
    // It must wait for the lease to expire (4 s), and not much longer.
    expect(takeover).toBeGreaterThanOrEqual(3_000);
    expect(takeover).toBeLessThan(15_000);

    const after = await getJson<LeaseJson>(['get', 'lease', 'lamina-operator', '-n', ns]);
    expect(after?.spec.holderIdentity).toBe(standby.identity);
    expect(after?.spec.leaseTransitions).toBe((lease.spec.leaseTransitions ?? 0) + 1);

    await kubectlOk(['apply', '-n', ns, '-f', '-'], fn('after'));
    await eventually(() => getDeployment(ns, 'after-latest'), { what: 'after reconciled' });
    const second = await eventually(
      async () => {
        const e = await eventsOf(ns, 'after');
        return e.length > 0 ? e : undefined;
      },
      { what: 'events of after' },
    );
    expect(new Set(second.map((e) => e.reportingInstance))).toEqual(new Set([standby.identity]));
    process.stdout.write(`leader takeover after SIGKILL: ${takeover} ms\n`);
  });
});

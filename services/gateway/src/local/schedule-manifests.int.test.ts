import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { scheduleFromInput, scheduleKeys } from '@lamina/core';
import { testEnv, uniqueName } from '@lamina/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { RedisScheduleStore } from '../schedules/schedule-store.js';
import { importScheduleManifests, loadScheduleManifests } from './schedule-manifests.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };
const manifest = (name: string, expression: string, namespace?: string) => `
apiVersion: lamina.dev/v1alpha1
kind: Schedule
metadata: { name: ${name}${namespace === undefined ? '' : `, namespace: ${namespace}`} }
spec:
  scheduleExpression: ${expression}
  target: { functionName: hello }
`;

describe('local Schedule manifests', () => {
  const redis = new Redis(testEnv.require('REDIS_URL'), { maxRetriesPerRequest: 1 });
  const keys = scheduleKeys(uniqueName('sched-manifests'));
  const store = new RedisScheduleStore(redis, keys);
  afterAll(async () => {
    await redis.del(keys.schedules, keys.groups, keys.status);
    await redis.quit();
  });

  it('are put into the schedule store, kept when unchanged, removed when gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-sched-'));
    writeFileSync(join(dir, 'a.yaml'), manifest('a', 'rate(1 minute)'));
    writeFileSync(join(dir, 'b.yml'), manifest('b', 'cron(0 * * * ? *)', 'team-a'));
    writeFileSync(join(dir, 'notes.txt'), 'kind: Schedule');
    // A schedule made through the API is never touched.
    await store.put(
      scheduleFromInput(
        'api',
        {
          ScheduleExpression: 'rate(1 hour)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
            RoleArn: 'arn:aws:iam::000000000000:role/r',
          },
        },
        ctx,
        500,
      ),
    );
    let done = await importScheduleManifests(store, await loadScheduleManifests(dir), ctx, 1000);
    expect(done).toEqual({ written: 2, deleted: 0 });
    expect((await store.get('default', 'a'))?.schedule).toMatchObject({
      scheduleExpression: 'rate(1 minute)',
      origin: 'resource',
      lastModificationDate: 1000,
    });
    expect(await store.getGroup('team-a')).toMatchObject({ name: 'team-a' });

    // A restart with the same manifests keeps the records (and their last-modified time).
    done = await importScheduleManifests(store, await loadScheduleManifests(dir), ctx, 5000);
    expect(done).toEqual({ written: 0, deleted: 0 });
    expect((await store.get('default', 'a'))?.schedule.lastModificationDate).toBe(1000);

    // A changed manifest is rewritten; a removed one is deleted.
    writeFileSync(join(dir, 'a.yaml'), manifest('a', 'rate(5 minutes)'));
    writeFileSync(join(dir, 'b.yml'), '');
    done = await importScheduleManifests(store, await loadScheduleManifests(dir), ctx, 9000);
    expect(done).toEqual({ written: 1, deleted: 1 });
    expect((await store.get('default', 'a'))?.schedule).toMatchObject({
      scheduleExpression: 'rate(5 minutes)',
      creationDate: 1000,
      lastModificationDate: 9000,
    });
    expect(await store.get('team-a', 'b')).toBeUndefined();
    expect(await store.get('default', 'api')).toBeDefined();
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Local mode: a `Schedule` manifest in the functions folder (the cluster CRD's kind) is loaded by
 * `lamina dev` into the schedule store, where the Scheduler API sees it.
 */
describe('Schedule manifests in the functions folder', () => {
  let lamina: LaminaProcess;
  let scheduler: SchedulerClient;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-fns-'));
    writeFileSync(
      join(dir, 'schedules.yaml'),
      [
        'apiVersion: lamina.dev/v1alpha1',
        'kind: Schedule',
        'metadata: { name: nightly-report }',
        'spec:',
        '  scheduleExpression: cron(0 2 ? * MON-FRI *)',
        '  scheduleExpressionTimezone: Europe/Berlin',
        `  target: { functionName: 'report:live', input: '{"report":"daily"}' }`,
        '',
      ].join('\n'),
    );
    lamina = await startLamina({
      functionsDir: dir,
      env: {
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: uniqueName('sched-manifest'),
      },
    });
    scheduler = new SchedulerClient({
      endpoint: lamina.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    scheduler.destroy();
    await lamina.stop();
  });

  it('is served by GetSchedule', async () => {
    const got = await scheduler.send(new GetScheduleCommand({ Name: 'nightly-report' }));
    expect(got).toMatchObject({
      Name: 'nightly-report',
      GroupName: 'default',
      State: 'ENABLED',
      ScheduleExpression: 'cron(0 2 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:000000000000:function:report:live',
        Input: '{"report":"daily"}',
      },
    });
  });
});

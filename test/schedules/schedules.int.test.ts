import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  eventually,
  type LaminaProcess,
  startLamina,
  startService,
  type ServiceProcess,
  testEnv,
  uniqueName,
} from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRecordingFunction, type RecordingFunction } from '../async/support/async-harness.js';
import { lambdaClient } from '../support/lambda-client.js';

/**
 * Schedules through the unmodified @aws-sdk/client-scheduler against `lamina dev`, with a second
 * scheduler runner (a standalone dispatcher) on the same Redis: every tick must run once.
 * Real minute ticks: the suite waits about 70 s once.
 */
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EventBridge Scheduler API through @aws-sdk/client-scheduler', () => {
  let lamina: LaminaProcess;
  let second: ServiceProcess;
  let lambda: LambdaClient;
  let scheduler: SchedulerClient;
  let fn: RecordingFunction;

  beforeAll(async () => {
    const prefix = uniqueName('sched');
    const env = {
      REDIS_URL: testEnv.require('REDIS_URL'),
      LAMINA_REDIS_PREFIX: prefix,
      LAMINA_SCHEDULER_INTERVAL_MS: '250',
      // The recording function appends to a file of the host, which a sandbox hides.
      LAMINA_SANDBOX: 'off',
    };
    lamina = await startLamina({ env });
    second = await startService('dispatcher', { ...env, LAMINA_GATEWAY_URL: lamina.url });
    lambda = lambdaClient(lamina.url);
    scheduler = new SchedulerClient({
      endpoint: lamina.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    fn = await createRecordingFunction(lambda, 'scheduled');
  });
  afterAll(async () => {
    scheduler.destroy();
    lambda.destroy();
    await second.kill('SIGTERM');
    await lamina.stop();
  });

  const create = (name: string, extra: Partial<CreateScheduleCommandInput>) =>
    scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        ScheduleExpression: 'cron(* * * * ? *)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: fn.arn, RoleArn: ROLE },
        ...extra,
      }),
    );
  const runsOf = (kind: string) =>
    fn.runs().filter((r) => (r.event as { kind?: string } | null)?.kind === kind);

  it('answers with Scheduler errors', async () => {
    await expect(
      scheduler.send(new GetScheduleCommand({ Name: uniqueName('missing') })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      create(uniqueName('bad'), { ScheduleExpression: 'cron(* * * * * *)' }),
    ).rejects.toBeInstanceOf(ValidationException);
    const name = uniqueName('dup');
    await create(name, { State: 'DISABLED' });
    await expect(create(name, {})).rejects.toBeInstanceOf(ConflictException);
    await scheduler.send(new DeleteScheduleCommand({ Name: name }));
  });

  it('fires cron and rate schedules once per tick with two runners, an at() once, never a DISABLED one', async () => {
    // Start early in a minute, so the 65 s below hold exactly one minute boundary.
    const sec = new Date().getUTCSeconds();
    if (sec > 45) await sleep((62 - sec) * 1000);
    const started = Date.now();
    const cron = uniqueName('cron');
    const created = await create(cron, {
      Target: { Arn: fn.arn, RoleArn: ROLE, Input: '{"kind":"cron"}' },
    });
    expect(created.ScheduleArn).toBe(
      `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${cron}`,
    );
    await create(uniqueName('rate'), {
      ScheduleExpression: 'rate(1 minute)',
      Target: { Arn: fn.arn, RoleArn: ROLE, Input: '{"kind":"rate"}' },
    });
    await create(uniqueName('off'), {
      State: 'DISABLED',
      Target: { Arn: fn.arn, RoleArn: ROLE, Input: '{"kind":"off"}' },
    });
    const once = uniqueName('once');
    const at = new Date(Date.now() + 6000).toISOString().slice(0, 19);
    await create(once, {
      ScheduleExpression: `at(${at})`,
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: fn.arn, RoleArn: ROLE, Input: '{"kind":"once"}' },
    });
    const event = uniqueName('event');
    await create(event, {
      ScheduleExpression: `at(${at})`,
      Target: { Arn: `${fn.arn}:$LATEST`, RoleArn: ROLE },
    });
    const got = await scheduler.send(new GetScheduleCommand({ Name: cron }));
    expect(got).toMatchObject({ Name: cron, GroupName: 'default', State: 'ENABLED' });
    expect(got.CreationDate).toBeInstanceOf(Date);
    const listed = await scheduler.send(
      new ListSchedulesCommand({ NamePrefix: 'off', State: 'DISABLED' }),
    );
    expect(listed.Schedules?.map((s) => s.State)).toContain('DISABLED');

    // The one-time schedule runs once and deletes itself; the other one stays.
    await eventually(() => runsOf('once').length === 1, { timeoutMs: 20_000 });
    await eventually(
      async () =>
        scheduler.send(new GetScheduleCommand({ Name: once })).then(
          () => false,
          (err: unknown) => err instanceof ResourceNotFoundException,
        ),
      { timeoutMs: 10_000 },
    );
    const isEvent = (r: { event: unknown }) =>
      (r.event as { source?: string } | null)?.source === 'aws.scheduler';
    await eventually(() => fn.runs().some(isEvent), { timeoutMs: 10_000 }).catch((err: unknown) => {
      throw new Error(`no Scheduled Event; logs:\n${lamina.logs()}\n${second.logs()}`, {
        cause: err,
      });
    });
    const scheduled = fn.runs().find(isEvent);
    expect(scheduled?.event).toMatchObject({
      'detail-type': 'Scheduled Event',
      resources: [`arn:aws:scheduler:us-east-1:000000000000:schedule/default/${event}`],
    });
    await scheduler.send(new GetScheduleCommand({ Name: event }));

    await eventually(() => runsOf('rate').length >= 1, { timeoutMs: 80_000 });
    await sleep(Math.max(0, started + 66_000 - Date.now()));
    expect(runsOf('cron')).toHaveLength(1);
    expect(runsOf('rate')).toHaveLength(1);
    expect(runsOf('once')).toHaveLength(1);
    expect(runsOf('off')).toHaveLength(0);
    const ids = fn.runs().map((r) => r.requestId);
    expect(new Set(ids).size).toBe(ids.length);
  }, 150_000);
});

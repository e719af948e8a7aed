import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { eventually, type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createQueue, drain, sqsClient, sqsEndpoint } from '../sqs/support/sqs-harness.js';

/**
 * A schedule's DeadLetterConfig against ElasticMQ: a tick whose target function does not exist
 * is refused by the gateway, not retried, and lands on the schedule's SQS queue with
 * EventBridge Scheduler's message attributes. Uses a one-time `at(…)` a few seconds ahead.
 */
describe("a schedule's SQS dead-letter queue", () => {
  let lamina: LaminaProcess;
  let scheduler: SchedulerClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    lamina = await startLamina({
      env: {
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: uniqueName('sched-dlq'),
        LAMINA_SQS_ENDPOINT: sqsEndpoint(),
        LAMINA_SCHEDULER_INTERVAL_MS: '250',
      },
    });
    scheduler = new SchedulerClient({
      endpoint: lamina.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    sqs = sqsClient();
  });
  afterAll(async () => {
    scheduler.destroy();
    sqs.destroy();
    await lamina.stop();
  });

  it("gets the tick of a schedule whose function is gone, with Scheduler's attributes", async () => {
    const dlq = await createQueue(sqs, uniqueName('sched-dlq'));
    const name = uniqueName('gone');
    const target = 'arn:aws:lambda:us-east-1:000000000000:function:no-such-function';
    const at = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000).toISOString().slice(0, 19);
    await scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        ScheduleExpression: `at(${at})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: target,
          RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
          Input: '{"report":"daily"}',
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: dlq.arn },
        },
      }),
    );
    const [m, ...more] = await eventually(
      async () => {
        const got = await drain(sqs, dlq.url);
        return got.length > 0 ? got : undefined;
      },
      { what: 'the dead-lettered tick', timeoutMs: 30_000 },
    );
    expect(more).toHaveLength(0);
    expect(m?.Body).toBe('{"report":"daily"}');
    const attrs = Object.fromEntries(
      Object.entries(m?.MessageAttributes ?? {}).map(([k, v]) => [k, [v.DataType, v.StringValue]]),
    );
    expect(attrs).toMatchObject({
      ERROR_CODE: ['String', 'ResourceNotFoundException'],
      RETRY_ATTEMPTS: ['String', '0'],
      SCHEDULE_ARN: ['String', `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${name}`],
      TARGET_ARN: ['String', target],
    });
    expect(attrs['ERROR_MESSAGE']?.[1]).toMatch(/404/);
    expect(attrs['EXHAUSTED_RETRY_CONDITION']).toBeUndefined();
  });
});

import { EventInvokeRefused } from '@lamina/service-kit';
import { describe, expect, it } from 'vitest';

import { deadLetterAttributes, SqsScheduleDeadLetters } from './schedule-dead-letter.js';

const base = {
  queueArn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
  scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/s',
  targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  body: '{}',
  tickId: 'id-1',
};

describe('schedule dead letters', () => {
  it("carry Scheduler's attributes", () => {
    expect(
      deadLetterAttributes({
        ...base,
        error: new EventInvokeRefused('f', 404, 'gone', 'ResourceNotFoundException'),
        retryAttempts: 0,
      }),
    ).toEqual({
      ERROR_CODE: 'ResourceNotFoundException',
      ERROR_MESSAGE: 'Event invoke of f answered 404: gone',
      RETRY_ATTEMPTS: '0',
      SCHEDULE_ARN: base.scheduleArn,
      TARGET_ARN: base.targetArn,
    });
    expect(
      deadLetterAttributes({
        ...base,
        error: new Error('ECONNREFUSED'),
        retryAttempts: 3,
        exhausted: 'MaximumRetryAttempts',
      }),
    ).toMatchObject({
      ERROR_CODE: 'AWS.Scheduler.InternalServerError',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      RETRY_ATTEMPTS: '3',
    });
  });

  it('send to the queue named by the ARN, and refuse without an SQS endpoint', async () => {
    const sent: unknown[] = [];
    const dl = new SqsScheduleDeadLetters({
      send: (...args) => {
        sent.push(args);
        return Promise.resolve();
      },
    });
    await dl.send({ ...base, error: new Error('x'), retryAttempts: 0 });
    expect(sent[0]).toEqual([
      expect.objectContaining({ name: 'dlq', region: 'us-east-1' }),
      '{}',
      expect.objectContaining({ ERROR_CODE: 'AWS.Scheduler.InternalServerError' }),
      'id-1',
    ]);
    await expect(
      new SqsScheduleDeadLetters(undefined).send({ ...base, error: 1, retryAttempts: 0 }),
    ).rejects.toThrow(/no SQS endpoint/);
  });
});

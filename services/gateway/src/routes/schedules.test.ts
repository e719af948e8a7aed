import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { MemoryScheduleStore } from '../schedules/schedule-store.js';
import { fakeApp } from '../test-support/fakes.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:hello';
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';
const body = (extra: Record<string, unknown> = {}) => ({
  ScheduleExpression: 'rate(5 minutes)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: FN, RoleArn: ROLE, Input: '{"n":1}' },
  ClientToken: 'abc',
  ...extra,
});
const json = (res: { body: unknown }): Record<string, unknown> =>
  res.body as Record<string, unknown>;

function withSchedules() {
  const schedules = new MemoryScheduleStore();
  return { ...fakeApp({ schedules }), schedules };
}

describe('EventBridge Scheduler API', () => {
  it('creates, gets, updates, lists and deletes a schedule', async () => {
    const { app, schedules } = withSchedules();
    const created = json(await request(app).post('/schedules/nightly').send(body()).expect(200));
    expect(created).toEqual({
      ScheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/nightly',
    });
    const got = json(await request(app).get('/schedules/nightly').expect(200));
    expect(got).toMatchObject({
      Name: 'nightly',
      GroupName: 'default',
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: FN,
        RoleArn: ROLE,
        Input: '{"n":1}',
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      },
    });
    expect(typeof got['CreationDate']).toBe('number');

    await request(app)
      .put('/schedules/nightly')
      .send(body({ State: 'DISABLED', ScheduleExpression: 'cron(0 3 * * ? *)' }))
      .expect(200);
    expect(schedules.schedules.get('default/nightly')).toMatchObject({
      state: 'DISABLED',
      scheduleExpression: 'cron(0 3 * * ? *)',
    });
    await request(app).post('/schedules/other').send(body()).expect(200);
    const list = json(await request(app).get('/schedules?State=DISABLED').expect(200));
    expect(list['Schedules']).toEqual([
      expect.objectContaining({ Name: 'nightly', State: 'DISABLED', Target: { Arn: FN } }),
    ]);
    const prefixed = json(await request(app).get('/schedules?NamePrefix=oth').expect(200));
    expect(prefixed['Schedules']).toHaveLength(1);
    const paged = json(await request(app).get('/schedules?MaxResults=1').expect(200));
    expect(paged['NextToken']).toBe('1');
    const rest = json(await request(app).get('/schedules?MaxResults=1&NextToken=1').expect(200));
    expect(rest['NextToken']).toBeUndefined();

    expect(json(await request(app).delete('/schedules/nightly').expect(200))).toEqual({});
    await request(app).get('/schedules/nightly').expect(404);
  });

  it("answers with Scheduler's error shapes", async () => {
    const { app } = withSchedules();
    await request(app).post('/schedules/a').send(body()).expect(200);
    const conflict = await request(app).post('/schedules/a').send(body()).expect(409);
    expect(conflict.headers['x-amzn-errortype']).toBe('ConflictException');
    expect(json(conflict)).toEqual({ Message: 'Schedule a already exists.' });

    const missing = await request(app).get('/schedules/nope').expect(404);
    expect(missing.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    await request(app).put('/schedules/nope').send(body()).expect(404);
    await request(app).delete('/schedules/nope').expect(404);

    for (const bad of [
      body({ ScheduleExpression: 'cron(* * * * * *)' }),
      body({ ScheduleExpression: 'rate(0 minutes)' }),
      body({ ScheduleExpressionTimezone: 'Nowhere/City' }),
      body({ FlexibleTimeWindow: undefined }),
      body({ FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }),
      body({ State: 'PAUSED' }),
      body({ ActionAfterCompletion: 'ARCHIVE' }),
      body({ Target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q', RoleArn: ROLE } }),
      body({ Target: { Arn: FN } }),
      body({ StartDate: 2_000_000_000, EndDate: 1_900_000_000 }),
    ]) {
      const res = await request(app).post('/schedules/b').send(bad).expect(400);
      expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
      expect(typeof json(res)['Message']).toBe('string');
    }
    await request(app).post('/schedules/bad name').send(body()).expect(400);
    await request(app)
      .post('/schedules/c')
      .set('content-type', 'application/json')
      .send('{')
      .expect(400);
    await request(app)
      .post('/schedules/d')
      .send(body({ GroupName: 'nope' }))
      .expect(404);
  });

  it('keeps schedule groups, the default one included', async () => {
    const { app, schedules } = withSchedules();
    expect(
      json(await request(app).post('/schedule-groups/team').send({ ClientToken: 'x' }).expect(200)),
    ).toEqual({
      ScheduleGroupArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/team',
    });
    await request(app).post('/schedule-groups/team').send({}).expect(409);
    await request(app).post('/schedule-groups/default').send({}).expect(409);
    expect(json(await request(app).get('/schedule-groups/team').expect(200))).toMatchObject({
      Name: 'team',
      State: 'ACTIVE',
    });
    const groups = json(await request(app).get('/schedule-groups').expect(200));
    expect((groups['ScheduleGroups'] as { Name: string }[]).map((g) => g.Name)).toEqual([
      'default',
      'team',
    ]);
    await request(app)
      .post('/schedules/s')
      .send(body({ GroupName: 'team' }))
      .expect(200);
    await request(app).get('/schedules/s').expect(404);
    await request(app).get('/schedules/s?groupName=team').expect(200);
    const inTeam = json(await request(app).get('/schedules?ScheduleGroup=team').expect(200));
    expect(inTeam['Schedules']).toHaveLength(1);

    await request(app).delete('/schedule-groups/default').expect(400);
    await request(app).delete('/schedule-groups/team').expect(200);
    expect(schedules.schedules.size).toBe(0);
    await request(app).get('/schedule-groups/team').expect(404);
  });
});

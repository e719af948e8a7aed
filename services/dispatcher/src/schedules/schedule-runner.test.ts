import { flexibleOffsetMs, type Schedule, scheduleKeys } from '@lamina/core';
import { EventInvokeRefused } from '@lamina/service-kit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import type { ScheduleDeadLetters, TickDeadLetter } from './schedule-dead-letter.js';
import { createScheduleMetrics } from './schedule-metrics.js';
import { ScheduleRunner, type TickSender } from './schedule-runner.js';

/** The Redis commands the runner uses, in memory (claims expire by the injected clock). */
class FakeRedis {
  readonly hashes = new Map<string, Map<string, string>>();
  readonly claims = new Map<string, number>();
  constructor(private readonly clock: { now: number }) {}
  private hash(key: string): Map<string, string> {
    let h = this.hashes.get(key);
    if (h === undefined) this.hashes.set(key, (h = new Map()));
    return h;
  }
  hgetall(key: string): Promise<Record<string, string>> {
    return Promise.resolve(Object.fromEntries(this.hash(key)));
  }
  hset(key: string, field: string, value: string): Promise<number> {
    this.hash(key).set(field, value);
    return Promise.resolve(1);
  }
  hdel(key: string, field: string): Promise<number> {
    return Promise.resolve(this.hash(key).delete(field) ? 1 : 0);
  }
  set(key: string, _v: string, _px: 'PX', ttl: number): Promise<'OK' | null> {
    const until = this.claims.get(key);
    if (until !== undefined && until > this.clock.now) return Promise.resolve(null);
    this.claims.set(key, this.clock.now + ttl);
    return Promise.resolve('OK');
  }
}

const keys = scheduleKeys('t');
const ctx = { region: 'us-east-1', accountId: '000000000000' };
const T0 = Date.parse('2026-01-01T10:00:00Z');

const schedule = (name: string, extra: Partial<Schedule> = {}): Schedule => ({
  name,
  groupName: 'default',
  scheduleExpression: 'cron(* * * * ? *)',
  state: 'ENABLED',
  flexibleTimeWindow: { mode: 'OFF' },
  target: {
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
    roleArn: 'arn:aws:iam::000000000000:role/r',
    retryPolicy: { maximumEventAgeInSeconds: 60, maximumRetryAttempts: 2 },
  },
  actionAfterCompletion: 'NONE',
  creationDate: T0 - 3_600_000,
  lastModificationDate: T0 - 3_600_000,
  ...extra,
});

function setup(sender?: TickSender, deadLetters?: ScheduleDeadLetters) {
  const clock = { now: T0 };
  const redis = new FakeRedis(clock);
  const sent: { fn: string; body: string; id: string; source?: string | undefined }[] = [];
  const send: TickSender = sender ?? {
    invokeEvent: (fn, body, id, source) => {
      sent.push({ fn, body, id, source });
      return Promise.resolve();
    },
  };
  const registry = new Registry();
  const metrics = createScheduleMetrics(registry);
  const runner = (owner: string) =>
    new ScheduleRunner({
      redis: redis as never,
      keys,
      sender: send,
      arnContext: ctx,
      metrics,
      logger: pino({ level: 'silent' }),
      now: () => clock.now,
      intervalMs: 1000,
      graceMs: 60_000,
      retryBaseMs: 1,
      ...(deadLetters === undefined ? {} : { deadLetters }),
      owner,
    });
  const put = (s: Schedule) =>
    redis.hset(keys.schedules, `${s.groupName}/${s.name}`, JSON.stringify(s));
  return { clock, redis, sent, runner, put, registry };
}

const settle = async (r: ScheduleRunner) => {
  await r.drain();
  await r.stop();
};

describe('ScheduleRunner', () => {
  it('fires each tick exactly once across two runners, with the Scheduled Event', async () => {
    const { clock, sent, put, runner, redis } = setup();
    await put(schedule('every-minute'));
    const a = runner('a');
    const b = runner('b');
    for (const offset of [500, 20_000, 59_000, 60_300, 90_000, 120_100]) {
      clock.now = T0 + offset;
      await Promise.all([a.runOnce(), b.runOnce()]);
    }
    await Promise.all([settle(a), settle(b)]);
    expect(sent.map((s) => s.id)).toHaveLength(3);
    expect(new Set(sent.map((s) => s.id)).size).toBe(3);
    const event = JSON.parse(sent[0]?.body ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      time: '2026-01-01T10:00:00Z',
      resources: ['arn:aws:scheduler:us-east-1:000000000000:schedule/default/every-minute'],
    });
    // The schedule is the tick's event source (aws:SourceArn, ADR 0046).
    expect(sent[0]?.source).toBe(
      'arn:aws:scheduler:us-east-1:000000000000:schedule/default/every-minute',
    );
    expect(JSON.parse(redis.hashes.get(keys.status)?.get('default/every-minute') ?? '{}')).toEqual({
      lastRun: T0 + 120_000,
      nextRun: T0 + 180_000,
    });
  });

  it('passes Input unchanged, skips DISABLED schedules and old ticks', async () => {
    const { clock, sent, put, runner } = setup();
    const withInput = schedule('input', {
      target: { ...schedule('x').target, input: '{"hello":"world"}' },
    });
    await put(withInput);
    await put(schedule('off', { state: 'DISABLED' }));
    const r = runner('a');
    clock.now = T0 + 5 * 60_000 + 70_000; // down for five minutes: only the latest tick
    await r.runOnce();
    await settle(r);
    expect(sent).toEqual([expect.objectContaining({ body: '{"hello":"world"}' })]);
  });

  it('deletes a one-time schedule after its tick when asked to', async () => {
    const { clock, sent, put, runner, redis } = setup();
    await put(
      schedule('once', {
        scheduleExpression: 'at(2026-01-01T10:00:30)',
        actionAfterCompletion: 'DELETE',
      }),
    );
    await put(schedule('kept', { scheduleExpression: 'at(2026-01-01T10:00:30)' }));
    const r = runner('a');
    clock.now = T0 + 10_000;
    await r.runOnce();
    expect(sent).toHaveLength(0);
    clock.now = T0 + 31_000;
    await r.runOnce();
    await settle(r);
    expect(sent).toHaveLength(2);
    expect(redis.hashes.get(keys.schedules)?.has('default/once')).toBe(false);
    expect(redis.hashes.get(keys.schedules)?.has('default/kept')).toBe(true);
  });

  it('retries a failed enqueue with the same request id, then counts a failure', async () => {
    const ids: string[] = [];
    let failures = 1;
    const flaky: TickSender = {
      invokeEvent: (_fn, _body, id) => {
        ids.push(id);
        if (failures-- > 0) return Promise.reject(new Error('gateway down'));
        return Promise.resolve();
      },
    };
    const { clock, put, runner, registry } = setup(flaky);
    await put(schedule('flaky'));
    const r = runner('a');
    clock.now = T0 + 1000;
    await r.runOnce();
    await settle(r);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    const text = await registry.metrics();
    expect(text).toMatch(/lamina_scheduler_ticks_total\{function="hello"\} 1/);
  });

  const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:schedule-dlq';
  const withDlq = (name: string, attempts: number): Schedule =>
    schedule(name, {
      target: {
        ...schedule('x').target,
        retryPolicy: { maximumEventAgeInSeconds: 60, maximumRetryAttempts: attempts },
        deadLetterConfig: { arn: dlqArn },
      },
    });
  const collect = () => {
    const dead: TickDeadLetter[] = [];
    return {
      dead,
      deadLetters: {
        send: (d: TickDeadLetter) => {
          dead.push(d);
          return Promise.resolve();
        },
      },
    };
  };

  it('dead-letters a tick the gateway refuses at once, without retries', async () => {
    let calls = 0;
    const refusing: TickSender = {
      invokeEvent: (fn) => {
        calls += 1;
        return Promise.reject(
          new EventInvokeRefused(fn, 404, 'no such function', 'ResourceNotFoundException'),
        );
      },
    };
    const { dead, deadLetters } = collect();
    const { clock, put, runner } = setup(refusing, deadLetters);
    await put(withDlq('gone', 5));
    const r = runner('a');
    clock.now = T0 + 1000;
    await r.runOnce();
    await settle(r);
    expect(calls).toBe(1);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      queueArn: dlqArn,
      retryAttempts: 0,
      scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/gone',
      targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
    });
    expect(dead[0]?.exhausted).toBeUndefined();
    expect(JSON.parse(dead[0]?.body ?? '{}')).toMatchObject({ source: 'aws.scheduler' });
  });

  it('dead-letters a tick after MaximumRetryAttempts retries of a server error', async () => {
    let calls = 0;
    const failing: TickSender = {
      invokeEvent: (fn) => {
        calls += 1;
        return Promise.reject(new EventInvokeRefused(fn, 503, 'busy', 'ServiceException'));
      },
    };
    const { dead, deadLetters } = collect();
    const { clock, put, runner } = setup(failing, deadLetters);
    await put(withDlq('busy', 2));
    const r = runner('a');
    clock.now = T0 + 1000;
    await r.runOnce();
    await settle(r);
    expect(calls).toBe(3);
    expect(dead).toEqual([
      expect.objectContaining({ retryAttempts: 2, exhausted: 'MaximumRetryAttempts' }),
    ]);
  });

  it('stops retrying at MaximumEventAgeInSeconds', async () => {
    const { dead, deadLetters } = collect();
    const { clock, put, runner } = setup(
      {
        invokeEvent: () => {
          clock.now += 61_000; // each attempt takes past the event's age
          return Promise.reject(new Error('connect ECONNREFUSED'));
        },
      },
      deadLetters,
    );
    await put(withDlq('old', 185));
    const r = runner('a');
    clock.now = T0 + 1000;
    await r.runOnce();
    await settle(r);
    expect(dead).toEqual([
      expect.objectContaining({ retryAttempts: 0, exhausted: 'MaximumEventAgeInSeconds' }),
    ]);
  });

  it('fires a FLEXIBLE tick once across two runners, at its offset in the window', async () => {
    const { clock, sent, put, runner } = setup();
    const s = schedule('flex', {
      scheduleExpression: 'rate(5 minutes)',
      creationDate: T0,
      lastModificationDate: T0 - 1,
      flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 4 },
    });
    await put(s);
    const a = runner('a');
    const b = runner('b');
    const at: number[] = [];
    for (let now = T0; now < T0 + 20 * 60_000; now += 1000) {
      clock.now = now;
      const before = sent.length;
      await Promise.all([a.runOnce(), b.runOnce()]);
      await Promise.all([a.drain(), b.drain()]);
      if (sent.length > before) at.push(now);
    }
    await Promise.all([settle(a), settle(b)]);
    expect(sent).toHaveLength(4);
    expect(new Set(sent.map((x) => x.id)).size).toBe(4);
    const expected = [0, 1, 2, 3].map((i) => {
      const tick = T0 + i * 300_000;
      return Math.ceil((tick + flexibleOffsetMs(s, tick)) / 1000) * 1000;
    });
    expect(at).toEqual(expected);
  });
});

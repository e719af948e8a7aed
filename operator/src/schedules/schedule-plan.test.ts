import type { Schedule } from '@lamina/core';
import { type ScheduleResource, scheduleFromResource } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { planScheduleMirror } from './schedule-plan.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };
const NOW = Date.parse('2026-01-01T10:00:30Z');

const resource = (
  name: string,
  spec: Partial<ScheduleResource['spec']> = {},
  status?: Record<string, unknown>,
): ScheduleResource =>
  ({
    apiVersion: 'lamina.dev/v1alpha1',
    kind: 'Schedule',
    metadata: { name, namespace: 'team', generation: 2 },
    spec: {
      scheduleExpression: 'cron(* * * * ? *)',
      state: 'ENABLED',
      target: { functionName: 'hello:live', input: '{"a":1}' },
      ...spec,
    },
    ...(status === undefined ? {} : { status }),
  }) as unknown as ScheduleResource;

const plan = (
  resources: ScheduleResource[],
  stored: [string, Schedule][] = [],
  reports: [string, { lastRun?: number; nextRun?: number }][] = [],
) =>
  planScheduleMirror({
    resources,
    stored: new Map(stored),
    reports: new Map(reports),
    ctx,
    nowMs: NOW,
  });

describe('planScheduleMirror', () => {
  it('puts a resource as the schedule CreateSchedule would make, with next run in status', () => {
    const p = plan([resource('tick')]);
    expect(p.puts).toHaveLength(1);
    expect(p.puts[0]).toMatchObject({
      name: 'tick',
      groupName: 'team',
      origin: 'resource',
      target: {
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:hello:live',
        input: '{"a":1}',
      },
    });
    expect(p.statuses).toEqual([
      {
        namespace: 'team',
        name: 'tick',
        status: {
          observedGeneration: 2,
          arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/team/tick',
          nextRun: '2026-01-01T10:01:00.000Z',
        },
      },
    ]);
  });

  it('keeps an unchanged schedule, reports the last run, patches nothing that is current', () => {
    const r = resource('tick');
    const stored = scheduleFromResource(r, ctx, NOW - 3_600_000);
    const last = Date.parse('2026-01-01T10:00:00Z');
    const p = plan(
      [
        resource(
          'tick',
          {},
          {
            observedGeneration: 2,
            arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/team/tick',
            nextRun: '2026-01-01T10:01:00.000Z',
            lastRun: new Date(last).toISOString(),
          },
        ),
      ],
      [['team/tick', stored]],
      [['team/tick', { lastRun: last }]],
    );
    expect(p).toEqual({ puts: [], deletes: [], statuses: [] });
  });

  it('reports a problem for an invalid spec, removes mirrored schedules without a resource only', () => {
    const mirrored = scheduleFromResource(resource('x'), ctx, NOW);
    const api: Schedule = Object.fromEntries(
      Object.entries(mirrored).filter(([k]) => k !== 'origin'),
    ) as unknown as Schedule;
    const gone = scheduleFromResource(resource('gone'), ctx, NOW);
    const p = plan(
      [resource('bad', { scheduleExpression: 'cron(* * * * * *)' })],
      [
        ['team/gone', gone],
        ['default/api', { ...api, groupName: 'default', name: 'api' }],
      ],
    );
    expect(p.puts).toEqual([]);
    expect(p.deletes).toEqual(['team/gone']);
    expect(p.statuses[0]?.status).toMatchObject({
      problem: 'Invalid Schedule Expression cron(* * * * * *).',
    });
  });

  it('has no next run while DISABLED', () => {
    const p = plan([
      resource('off', { state: 'DISABLED' }, { nextRun: '2026-01-01T10:01:00.000Z' }),
    ]);
    expect(p.statuses[0]?.status).toMatchObject({ nextRun: null });
  });
});

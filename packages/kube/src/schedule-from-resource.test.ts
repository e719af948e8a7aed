import { describe, expect, it } from 'vitest';

import { parseScheduleManifests, scheduleFromResource } from './schedule-from-resource.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };

const YAML = `
apiVersion: lamina.dev/v1alpha1
kind: Function
metadata: { name: report }
spec: { runtime: nodejs22.x, handler: index.handler, codePath: ./report }
---
apiVersion: lamina.dev/v1alpha1
kind: Schedule
metadata: { name: nightly-report }
spec:
  scheduleExpression: cron(0 2 ? * MON-FRI *)
  scheduleExpressionTimezone: Europe/Berlin
  target: { functionName: report:live, input: '{"report":"daily"}' }
---
apiVersion: lamina.dev/v1alpha1
kind: Schedule
metadata: { name: every-minute, namespace: team-a }
spec:
  scheduleExpression: rate(1 minute)
  state: DISABLED
  target: { functionName: report, retryPolicy: { maximumRetryAttempts: 2 } }
`;

describe('Schedule manifests', () => {
  it('reads the Schedule documents with the CRD defaults, skipping other kinds', () => {
    const [a, b, ...rest] = parseScheduleManifests(YAML, 'fns.yaml');
    expect(rest).toHaveLength(0);
    expect(a?.metadata.name).toBe('nightly-report');
    expect(a?.metadata.namespace).toBeUndefined();
    expect(a?.spec).toMatchObject({
      state: 'ENABLED',
      scheduleExpressionTimezone: 'Europe/Berlin',
    });
    expect(b?.metadata.namespace).toBe('team-a');
    expect(b?.spec.target.retryPolicy).toEqual({
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 86_400,
    });
  });

  it('become the schedules CreateSchedule would make', () => {
    const [a, b] = parseScheduleManifests(YAML);
    if (a === undefined || b === undefined) throw new Error('two schedules expected');
    expect(scheduleFromResource(a, ctx, 1000)).toMatchObject({
      name: 'nightly-report',
      groupName: 'default',
      state: 'ENABLED',
      origin: 'resource',
      target: {
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:report:live',
        input: '{"report":"daily"}',
      },
    });
    expect(scheduleFromResource(b, ctx, 1000)).toMatchObject({
      groupName: 'team-a',
      state: 'DISABLED',
    });
  });

  it('carry a flexible time window and a dead-letter queue', () => {
    const [s] = parseScheduleManifests(`
apiVersion: lamina.dev/v1alpha1
kind: Schedule
metadata: { name: spread }
spec:
  scheduleExpression: rate(5 minutes)
  flexibleTimeWindow: { mode: FLEXIBLE, maximumWindowInMinutes: 4 }
  target:
    functionName: report
    deadLetterConfig: { arn: 'arn:aws:sqs:us-east-1:000000000000:ticks-dlq' }
`);
    if (s === undefined) throw new Error('one schedule expected');
    expect(scheduleFromResource(s, ctx, 1000)).toMatchObject({
      flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 4 },
      target: { deadLetterConfig: { arn: 'arn:aws:sqs:us-east-1:000000000000:ticks-dlq' } },
    });
    const [off] = parseScheduleManifests(YAML);
    if (off === undefined) throw new Error('a schedule expected');
    expect(scheduleFromResource(off, ctx, 1000)).toMatchObject({
      flexibleTimeWindow: { mode: 'OFF' },
    });
  });

  it('name the file of an invalid manifest', () => {
    expect(() =>
      parseScheduleManifests(
        'apiVersion: lamina.dev/v1alpha1\nkind: Schedule\nmetadata: { name: x }\nspec: {}\n',
        'bad.yaml',
      ),
    ).toThrow(/^bad\.yaml: x: /);
    expect(() =>
      parseScheduleManifests('apiVersion: v1\nkind: Schedule\nmetadata: { name: x }\n', 'old.yaml'),
    ).toThrow(/old\.yaml: apiVersion/);
  });
});

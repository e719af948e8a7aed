/**
 * A `Schedule` resource (the cluster CRD, or a manifest in local mode's functions folder) as the
 * schedule CreateSchedule would make of the same fields: the operator's mirror and `lamina dev`
 * both use it, so a manifest means the same in both modes; `parseScheduleManifests` reads such
 * manifests from YAML.
 *
 * Invariants: the group is the namespace (`default` without one); the target is the named
 * function of this installation; validation is CreateSchedule's (throws its
 * ValidationException); the result is marked `origin: resource`.
 */
import { V1ObjectMeta } from '@kubernetes/client-node';
import {
  API_VERSION,
  type ArnContext,
  functionArn,
  parseFunctionRef,
  type Schedule,
  scheduleFromInput,
} from '@lamina/core';

import { parseAllDocuments } from 'yaml';

import { scheduleSpecSchema } from './schema/schedule.js';
import type { ScheduleResource } from './types.js';

/** A Schedule resource as the schedule CreateSchedule would make of the same fields. */
export function scheduleFromResource(
  r: ScheduleResource,
  ctx: ArnContext,
  nowMs: number,
  previous?: Schedule,
): Schedule {
  const spec = r.spec;
  const ref = parseFunctionRef(spec.target.functionName);
  const retry = spec.target.retryPolicy;
  const window = spec.flexibleTimeWindow;
  const dlq = spec.target.deadLetterConfig;
  const input = {
    GroupName: r.metadata.namespace ?? 'default',
    ScheduleExpression: spec.scheduleExpression,
    ScheduleExpressionTimezone: spec.scheduleExpressionTimezone,
    StartDate: spec.startDate,
    EndDate: spec.endDate,
    State: spec.state,
    Description: spec.description,
    FlexibleTimeWindow:
      window === undefined
        ? { Mode: 'OFF' }
        : { Mode: window.mode, MaximumWindowInMinutes: window.maximumWindowInMinutes },
    Target: {
      Arn: functionArn(ctx, ref.name, ref.qualifier),
      RoleArn: `arn:aws:iam::${ctx.accountId}:role/lamina-schedule`,
      Input: spec.target.input,
      ...(dlq === undefined ? {} : { DeadLetterConfig: { Arn: dlq.arn } }),
      ...(retry === undefined
        ? {}
        : {
            RetryPolicy: {
              MaximumEventAgeInSeconds: retry.maximumEventAgeInSeconds,
              MaximumRetryAttempts: retry.maximumRetryAttempts,
            },
          }),
    },
  };
  const s = scheduleFromInput(r.metadata.name ?? '', input, ctx, nowMs, previous);
  return { ...s, origin: 'resource' };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `Schedule` documents of a YAML text (local mode's manifests), checked by the CRD's schema
 * (defaults applied) as the API server would; other kinds are skipped. Throws naming `where`.
 */
export function parseScheduleManifests(text: string, where = 'manifest'): ScheduleResource[] {
  const out: ScheduleResource[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]?.message ?? 'bad YAML'}`);
    const js: unknown = doc.toJS();
    if (!isObject(js) || js['kind'] !== 'Schedule') continue;
    if (js['apiVersion'] !== API_VERSION)
      throw new Error(`${where}: apiVersion must be ${API_VERSION}`);
    const metadata = isObject(js['metadata']) ? js['metadata'] : {};
    const name = metadata['name'];
    if (typeof name !== 'string') throw new Error(`${where}: metadata.name is required`);
    const namespace = metadata['namespace'];
    if (namespace !== undefined && typeof namespace !== 'string')
      throw new Error(`${where}: ${name}: metadata.namespace must be a string`);
    const spec = scheduleSpecSchema.safeParse(js['spec'] ?? {});
    if (!spec.success) throw new Error(`${where}: ${name}: ${spec.error.message}`);
    const meta = new V1ObjectMeta();
    meta.name = name;
    if (namespace !== undefined) meta.namespace = namespace;
    out.push({ apiVersion: API_VERSION, kind: 'Schedule', metadata: meta, spec: spec.data });
  }
  return out;
}

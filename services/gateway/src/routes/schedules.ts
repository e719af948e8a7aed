/**
 * The EventBridge Scheduler API (rest-json, signing name `scheduler`, botocore
 * `scheduler/2021-06-30`) on the gateway's endpoint, so `@aws-sdk/client-scheduler`, boto3's
 * `scheduler` and `aws scheduler --endpoint-url` work unchanged: Create/Get/Update/Delete/List
 * schedules and schedule groups. The scheduler runner (dispatcher room) reads the same store.
 *
 * Invariants: errors answer in Scheduler's own shape (X-Amzn-ErrorType + `{"Message"}`) from
 * this router's error handler, never Lambda's; a schedule's group must exist; the `default`
 * group cannot be created or deleted; list order is stable (by name), NextToken is an offset.
 */
import {
  DEFAULT_SCHEDULE_GROUP,
  LaminaError,
  type ArnContext,
  assertScheduleName,
  scheduleArn,
  scheduleFromInput,
  scheduleGroupArn,
  SchedulerError,
  schedulerValidation,
  toGetScheduleOutput,
  toScheduleGroupOutput,
  toScheduleSummary,
} from '@lamina/core';
import { type ErrorRequestHandler, type Request, Router } from 'express';
import type { Logger } from 'pino';

import type { Clock } from '../deps.js';
import { jsonBody } from '../http/body.js';
import { requestContext } from '../http/request-context.js';
import type { ScheduleStore } from '../schedules/schedule-store.js';

export interface ScheduleRouteDeps {
  readonly config: ArnContext;
  readonly schedules: ScheduleStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

const BODY_LIMIT = 512 * 1024;

const query = (req: Request, k: string): string | undefined => {
  const v = req.query[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const notFound = (what: string): SchedulerError =>
  new SchedulerError('ResourceNotFoundException', `${what} does not exist.`);

/** One page of `items` from NextToken (an offset) with MaxResults 1–100. */
function page<T>(req: Request, items: readonly T[]): { items: T[]; next?: string } {
  const maxText = query(req, 'MaxResults');
  const max = maxText === undefined ? 100 : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw schedulerValidation('MaxResults must be between 1 and 100.');
  const token = query(req, 'NextToken');
  const start = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0) throw schedulerValidation('Invalid NextToken.');
  return {
    items: items.slice(start, start + max),
    ...(start + max < items.length ? { next: String(start + max) } : {}),
  };
}

/** Scheduler's error shape for everything this router throws. */
function schedulerErrors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    const error =
      err instanceof SchedulerError
        ? err
        : err instanceof LaminaError && err.status < 500
          ? new SchedulerError('ValidationException', err.message, { cause: err })
          : new SchedulerError('InternalServerException', 'Unexpected error.', { cause: err });
    const ctx = requestContext(res, logger);
    if (error.status >= 500) ctx.log.error({ err }, 'scheduler request failed');
    if (res.headersSent) {
      next(err);
      return;
    }
    const body = JSON.stringify(error.toBody());
    res.writeHead(error.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'X-Amzn-ErrorType': error.name,
      'x-amzn-RequestId': ctx.requestId,
    });
    res.end(body);
  };
}

export function scheduleRoutes(deps: ScheduleRouteDeps): Router {
  const { config, schedules, clock } = deps;
  const router = Router();
  const nameOf = (req: Request): string => {
    const name = String(req.params['name']);
    assertScheduleName(name);
    return name;
  };
  const groupOf = (value: string | undefined): string => {
    const group = value ?? DEFAULT_SCHEDULE_GROUP;
    assertScheduleName(group, 'groupName');
    return group;
  };
  const assertGroup = async (group: string): Promise<void> => {
    if ((await schedules.getGroup(group)) === undefined) throw notFound(`Schedule group ${group}`);
  };

  router.post('/schedules/:name', jsonBody('CreateSchedule', BODY_LIMIT), async (req, res) => {
    const s = scheduleFromInput(nameOf(req), req.body, config, clock.now());
    await assertGroup(s.groupName);
    if ((await schedules.get(s.groupName, s.name)) !== undefined)
      throw new SchedulerError('ConflictException', `Schedule ${s.name} already exists.`);
    await schedules.put(s);
    res.status(200).json({ ScheduleArn: scheduleArn(config, s.groupName, s.name) });
  });

  router.get('/schedules/:name', async (req, res) => {
    const name = nameOf(req);
    const group = groupOf(query(req, 'groupName'));
    const found = await schedules.get(group, name);
    if (found === undefined) throw notFound(`Schedule ${name}`);
    res.status(200).json(toGetScheduleOutput(found.schedule, config));
  });

  router.put('/schedules/:name', jsonBody('UpdateSchedule', BODY_LIMIT), async (req, res) => {
    const name = nameOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const group = groupOf(typeof body['GroupName'] === 'string' ? body['GroupName'] : undefined);
    const current = await schedules.get(group, name);
    if (current === undefined) throw notFound(`Schedule ${name}`);
    const s = scheduleFromInput(name, body, config, clock.now(), current.schedule);
    await schedules.put(s);
    res.status(200).json({ ScheduleArn: scheduleArn(config, s.groupName, s.name) });
  });

  router.delete('/schedules/:name', async (req, res) => {
    const name = nameOf(req);
    const group = groupOf(query(req, 'groupName'));
    if (!(await schedules.delete(group, name))) throw notFound(`Schedule ${name}`);
    res.status(200).json({});
  });

  router.get('/schedules', async (req, res) => {
    const group = query(req, 'ScheduleGroup');
    if (group !== undefined) await assertGroup(groupOf(group));
    const prefix = query(req, 'NamePrefix');
    const state = query(req, 'State');
    if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED')
      throw schedulerValidation(`Invalid State ${state}.`);
    const all = (await schedules.list()).filter(
      (s) =>
        (group === undefined || s.groupName === group) &&
        (prefix === undefined || s.name.startsWith(prefix)) &&
        (state === undefined || s.state === state),
    );
    const p = page(req, all);
    res.status(200).json({
      Schedules: p.items.map((s) => toScheduleSummary(s, config)),
      ...(p.next === undefined ? {} : { NextToken: p.next }),
    });
  });

  router.post(
    '/schedule-groups/:name',
    jsonBody('CreateScheduleGroup', BODY_LIMIT),
    async (req, res) => {
      const name = nameOf(req);
      if ((await schedules.getGroup(name)) !== undefined)
        throw new SchedulerError('ConflictException', `Schedule group ${name} already exists.`);
      const now = clock.now();
      await schedules.putGroup({ name, creationDate: now, lastModificationDate: now });
      res.status(200).json({ ScheduleGroupArn: scheduleGroupArn(config, name) });
    },
  );

  router.get('/schedule-groups/:name', async (req, res) => {
    const name = nameOf(req);
    const group = await schedules.getGroup(name);
    if (group === undefined) throw notFound(`Schedule group ${name}`);
    res.status(200).json(toScheduleGroupOutput(group, config));
  });

  router.delete('/schedule-groups/:name', async (req, res) => {
    const name = nameOf(req);
    if (name === DEFAULT_SCHEDULE_GROUP)
      throw schedulerValidation('The default schedule group cannot be deleted.');
    if (!(await schedules.deleteGroup(name))) throw notFound(`Schedule group ${name}`);
    res.status(200).json({});
  });

  router.get('/schedule-groups', async (req, res) => {
    const prefix = query(req, 'NamePrefix');
    const all = (await schedules.listGroups()).filter(
      (g) => prefix === undefined || g.name.startsWith(prefix),
    );
    const p = page(req, all);
    res.status(200).json({
      ScheduleGroups: p.items.map((g) => toScheduleGroupOutput(g, config)),
      ...(p.next === undefined ? {} : { NextToken: p.next }),
    });
  });

  router.use(schedulerErrors(deps.logger));
  return router;
}

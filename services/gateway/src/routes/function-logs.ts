/**
 * Lamina's own read API for people (issue #22): a function's log events and its chart series.
 * `lamina logs` and the web console call it, signed like every other call.
 *
 *   GET /lamina/v1/functions/{name}/logs?since=&filter=&requestId=&limit=
 *     → {events: [{time, message, logStream?, requestId?}]}   oldest first, the newest `limit`
 *   GET /lamina/v1/functions/{name}/metrics → {intervalMs, points: [{time, invocations, …}]}
 *
 * Invariants: an unknown function is ResourceNotFoundException (404) like GetFunction; bad
 * parameters are InvalidParameterValueException (400) naming the parameter; the events of every
 * version of the function are returned (a line knows its stream, which names the version).
 */
import {
  type FunctionLogSource,
  functionNotFound,
  functionRefIn,
  LaminaError,
  LOG_EVENTS_MAX,
  type LogQuery,
} from '@lamina/core';
import { type Request, Router } from 'express';

import type { AppDeps } from '../deps.js';
import { pathParam, queryString } from '../resolve-function.js';
import type { MetricsSeries } from '../console/metrics-series.js';

export type FunctionLogsRouteDeps = Pick<AppDeps, 'config' | 'functions'> & {
  /** Absent: the mode keeps no logs the gateway can read; the API answers an empty list. */
  readonly logs: FunctionLogSource | undefined;
  readonly series: MetricsSeries;
};

const invalid = (message: string): LaminaError =>
  new LaminaError('InvalidParameterValueException', message);

/** The query of a logs call, checked. */
export function logQueryOf(req: Request): LogQuery {
  const since = queryString(req, 'since');
  const filter = queryString(req, 'filter');
  const requestId = queryString(req, 'requestId');
  const limit = queryString(req, 'limit');
  const q: { since?: number; filter?: RegExp; requestId?: string; limit: number } = {
    limit: 1000,
  };
  if (since !== undefined) {
    const n = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
    if (Number.isNaN(n)) throw invalid(`since must be epoch milliseconds or an ISO time: ${since}`);
    q.since = n;
  }
  if (filter !== undefined && filter !== '') {
    if (filter.length > 1024) throw invalid('filter must be at most 1024 characters');
    try {
      q.filter = new RegExp(filter);
    } catch (err) {
      throw invalid(`filter is not a regular expression: ${(err as Error).message}`);
    }
  }
  if (requestId !== undefined && requestId !== '') q.requestId = requestId;
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > LOG_EVENTS_MAX)
      throw invalid(`limit must be an integer from 1 to ${LOG_EVENTS_MAX}: ${limit}`);
    q.limit = n;
  }
  return q;
}

export function functionLogsRoutes(deps: FunctionLogsRouteDeps): Router {
  const router = Router();
  const known = (req: Request): string => {
    const ref = functionRefIn(deps.config, pathParam(req, 'name'), undefined);
    if (deps.functions.get(ref.name) === undefined)
      throw functionNotFound(deps.config, ref.name, undefined);
    return ref.name;
  };
  router.get('/lamina/v1/functions/:name/logs', async (req, res) => {
    const name = known(req);
    const query = logQueryOf(req);
    const events = deps.logs === undefined ? [] : await deps.logs.read(name, query);
    res.json({ events });
  });
  router.get('/lamina/v1/functions/:name/metrics', async (req, res) => {
    const name = known(req);
    res.json({ points: await deps.series.series(name) });
  });
  return router;
}

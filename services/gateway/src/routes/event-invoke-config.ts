import {
  DEFAULT_ASYNC_CONFIG,
  type EventInvokeConfigInput,
  functionArn,
  LaminaError,
  LATEST,
  toEventInvokeConfig,
  validateEventInvokeConfig,
} from '@lamina/core';
import { type Request, Router } from 'express';

import type { AsyncStore } from '../async/async-store.js';
import { jsonBody } from '../http/body.js';
import type { AppDeps, Clock } from '../deps.js';
import { resolveFunction } from '../resolve-function.js';

export type EventInvokeConfigDeps = Pick<AppDeps, 'config' | 'functions'> & {
  readonly async: AsyncStore;
  readonly clock: Clock;
};

const PATH = '/2019-09-25/functions/:name/event-invoke-config';
const BODY_LIMIT = 256 * 1024;

/**
 * Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s). Only `$LATEST` exists until
 * versions do. Lamina also takes `DeadLetterConfig.TargetArn` here (until the function spec
 * carries it).
 */
export function eventInvokeConfigRoutes(deps: EventInvokeConfigDeps): Router {
  const { config, functions, async: store, clock } = deps;
  const router = Router();
  const fn = (req: Request): string => resolveFunction(req, functions, config).record.spec.name;
  const missing = (name: string): LaminaError =>
    new LaminaError(
      'ResourceNotFoundException',
      `The function ${functionArn(config, name, LATEST)} doesn't have an EventInvokeConfig`,
    );
  const now = (): number => Math.floor(clock.now() / 1000);

  const write = (op: string, merge: boolean) =>
    [
      jsonBody(op, BODY_LIMIT),
      async (req: Request, res: import('express').Response) => {
        const name = fn(req);
        const current = await store.getConfig(name);
        if (merge && current === undefined) throw missing(name);
        const next = validateEventInvokeConfig(
          req.body as EventInvokeConfigInput,
          merge && current !== undefined ? current : DEFAULT_ASYNC_CONFIG,
          now(),
        );
        await store.putConfig(name, next);
        res.status(200).json(toEventInvokeConfig(next, config, name));
      },
    ] as const;

  router.put(PATH, ...write('PutFunctionEventInvokeConfig', false));
  router.post(PATH, ...write('UpdateFunctionEventInvokeConfig', true));
  router.get(PATH, async (req, res) => {
    const name = fn(req);
    const current = await store.getConfig(name);
    if (current === undefined) throw missing(name);
    res.status(200).json(toEventInvokeConfig(current, config, name));
  });
  router.delete(PATH, async (req, res) => {
    const name = fn(req);
    if (!(await store.deleteConfig(name))) throw missing(name);
    res.status(204).end();
  });
  router.get(`${PATH}/list`, async (req, res) => {
    const name = fn(req);
    const current = await store.getConfig(name);
    res.status(200).json({
      FunctionEventInvokeConfigs:
        current === undefined ? [] : [toEventInvokeConfig(current, config, name)],
    });
  });
  return router;
}

import {
  type VersionStore,
  asyncConfigField,
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
import { resolveQualified } from '../publish-version.js';

export type EventInvokeConfigDeps = Pick<AppDeps, 'config' | 'functions'> & {
  readonly async: AsyncStore;
  readonly clock: Clock;
  readonly versions: Pick<VersionStore, 'getVersion' | 'getAlias'>;
};

/** Which config a call names: `$LATEST`'s (stored under the function's name) or a qualifier's. */
interface ConfigTarget {
  readonly name: string;
  readonly qualifier: string;
  /** The async store's field (core's asyncConfigField). */
  readonly key: string;
}

const PATH = '/2019-09-25/functions/:name/event-invoke-config';
const BODY_LIMIT = 256 * 1024;

/**
 * Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s), per qualifier as on AWS: `$LATEST`, a
 * published version or an alias (which must exist); the dispatcher applies the config of the
 * qualifier an event was invoked with (core's asyncConfigField), and List shows every
 * qualifier's. Lamina also takes `DeadLetterConfig.TargetArn` here (until the function spec
 * carries it).
 */
export function eventInvokeConfigRoutes(deps: EventInvokeConfigDeps): Router {
  const { config, functions, async: store, clock } = deps;
  const router = Router();
  const fn = (req: Request): ConfigTarget => {
    const q = resolveQualified(req, functions, deps.versions, config);
    const name = q.latest.spec.name;
    const qualifier = q.qualifier ?? LATEST;
    return { name, qualifier, key: asyncConfigField(name, qualifier) };
  };
  const missing = (t: ConfigTarget): LaminaError =>
    new LaminaError(
      'ResourceNotFoundException',
      `The function ${functionArn(config, t.name, t.qualifier)} doesn't have an EventInvokeConfig`,
    );
  const now = (): number => Math.floor(clock.now() / 1000);

  const write = (op: string, merge: boolean) =>
    [
      jsonBody(op, BODY_LIMIT),
      async (req: Request, res: import('express').Response) => {
        const t = fn(req);
        const current = await store.getConfig(t.key);
        if (merge && current === undefined) throw missing(t);
        const next = validateEventInvokeConfig(
          req.body as EventInvokeConfigInput,
          merge && current !== undefined ? current : DEFAULT_ASYNC_CONFIG,
          now(),
        );
        await store.putConfig(t.key, next);
        res.status(200).json(toEventInvokeConfig(next, config, t.name, t.qualifier));
      },
    ] as const;

  router.put(PATH, ...write('PutFunctionEventInvokeConfig', false));
  router.post(PATH, ...write('UpdateFunctionEventInvokeConfig', true));
  router.get(PATH, async (req, res) => {
    const t = fn(req);
    const current = await store.getConfig(t.key);
    if (current === undefined) throw missing(t);
    res.status(200).json(toEventInvokeConfig(current, config, t.name, t.qualifier));
  });
  router.delete(PATH, async (req, res) => {
    const t = fn(req);
    if (!(await store.deleteConfig(t.key))) throw missing(t);
    res.status(204).end();
  });
  router.get(`${PATH}/list`, async (req, res) => {
    const t = fn(req);
    const configs = await store.listConfigs(t.name);
    res.status(200).json({
      FunctionEventInvokeConfigs: configs.map(({ qualifier, config: c }) =>
        toEventInvokeConfig(c, config, t.name, qualifier),
      ),
    });
  });
  return router;
}

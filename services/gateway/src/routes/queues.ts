import { LaminaError } from '@lamina/core';
import { Router } from 'express';

import type { AsyncStore } from '../async/async-store.js';
import { pathParam, queryString } from '../resolve-function.js';

const NAME = /^[a-zA-Z0-9_-]{1,80}$/;
const MAX_READ = 1000;

/**
 * Lamina's named queues (targets `lamina:queue:<name>`), read back:
 * `GET /lamina/v1/queues/:name/messages?max=10[&peek=true]` takes up to `max` messages
 * (oldest first) or, with peek, reads them without taking them.
 */
export function queueRoutes(deps: { readonly async: Pick<AsyncStore, 'readQueue'> }): Router {
  const router = Router();
  router.get('/lamina/v1/queues/:name/messages', async (req, res) => {
    const name = pathParam(req, 'name');
    if (!NAME.test(name)) {
      throw new LaminaError('InvalidParameterValueException', `Invalid queue name ${name}.`);
    }
    const maxText = queryString(req, 'max') ?? '10';
    const max = Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > MAX_READ) {
      throw new LaminaError(
        'InvalidParameterValueException',
        `max must be an integer between 1 and ${MAX_READ}.`,
      );
    }
    const messages = await deps.async.readQueue(name, max, queryString(req, 'peek') === 'true');
    res.status(200).json({
      Messages: messages.map((m) => ({ Body: m.body, Attributes: m.attributes })),
    });
  });
  return router;
}

import { type FunctionSpec, LaminaError } from '@lamina/core';
import { type Request, Router } from 'express';

import { jsonBody } from '../http/body.js';
import type { AppDeps } from '../deps.js';
import { type ResolvedFunction, resolveFunction } from '../resolve-function.js';
import { requestContext } from '../http/request-context.js';

export type ConcurrencyRouteDeps = Pick<AppDeps, 'config' | 'functions' | 'admission' | 'logger'>;

type MutableSpec = { -readonly [K in keyof FunctionSpec]: FunctionSpec[K] };

function withReserved(spec: FunctionSpec, reserved: number | undefined): FunctionSpec {
  const next: MutableSpec = { ...spec };
  if (reserved === undefined) delete next.reservedConcurrency;
  else next.reservedConcurrency = reserved;
  return next;
}

function reservedOf(body: unknown): number {
  const v: unknown =
    typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)['ReservedConcurrentExecutions']
      : undefined;
  if (v === undefined || v === null) {
    throw new LaminaError(
      'ValidationException',
      "'ReservedConcurrentExecutions' value failed to satisfy constraint: Member must not be null",
    );
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new LaminaError(
      'ValidationException',
      "'ReservedConcurrentExecutions' value failed to satisfy constraint: Member must be an integer",
    );
  }
  if (v < 0) {
    throw new LaminaError(
      'ValidationException',
      "'ReservedConcurrentExecutions' value failed to satisfy constraint: Member must have value greater than or equal to 0",
    );
  }
  return v;
}

/** Reserved concurrency is a property of the function, never of a version or alias. */
function unqualified(req: Request, deps: ConcurrencyRouteDeps): ResolvedFunction {
  const resolved = resolveFunction(req, deps.functions, deps.config);
  if (resolved.ref.qualifier !== undefined) {
    throw new LaminaError(
      'InvalidParameterValueException',
      'Reserved concurrency applies to the unqualified function name; remove the qualifier.',
    );
  }
  return resolved;
}

/** Put/Delete/GetFunctionConcurrency. Redis enforces the limit; the record keeps the value. */
export function concurrencyRoutes(deps: ConcurrencyRouteDeps): Router {
  const { functions, admission, logger } = deps;
  const router = Router();

  router.put(
    '/2017-10-31/functions/:name/concurrency',
    jsonBody('PutFunctionConcurrency', 1024 * 1024),
    async (req, res) => {
      const reserved = reservedOf(req.body);
      const { ref } = unqualified(req, deps);
      requestContext(res, logger).functionName = ref.name;
      await admission.setReserved(ref.name, reserved);
      await functions.update(ref.name, (r) => ({ ...r, spec: withReserved(r.spec, reserved) }));
      res.json({ ReservedConcurrentExecutions: reserved });
    },
  );

  router.delete('/2017-10-31/functions/:name/concurrency', async (req, res) => {
    const { ref } = unqualified(req, deps);
    requestContext(res, logger).functionName = ref.name;
    await admission.setReserved(ref.name, undefined);
    await functions.update(ref.name, (r) => ({ ...r, spec: withReserved(r.spec, undefined) }));
    res.status(204).end();
  });

  router.get('/2019-09-30/functions/:name/concurrency', (req, res) => {
    const { record } = unqualified(req, deps);
    const reserved = record.spec.reservedConcurrency;
    res.json(reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved });
  });

  return router;
}

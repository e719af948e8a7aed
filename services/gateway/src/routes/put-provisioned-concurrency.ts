/**
 * PutProvisionedConcurrencyConfig: PUT /2019-09-30/functions/{name}/provisioned-concurrency
 * ?Qualifier=. Answers 202 with the config (Status IN_PROGRESS until the pool has initialised
 * that many environments). Like Lambda, the function's provisioned total may not exceed its
 * reserved concurrency, and without a reservation it must leave the account's unreserved
 * minimum free.
 */
import {
  type FunctionStore,
  InvalidParameterValueException,
  parseProvisionedExecutions,
  type ProvisionedConcurrencyRecord,
  type ProvisionedConcurrencyStore,
  provisionedTimestamp,
  toProvisionedConfiguration,
} from '@lamina/core';
import type { Request, Response } from 'express';

import type { AppDeps } from '../deps.js';
import { provisionedTarget, type ProvisionedRouteDeps } from './provisioned-target.js';
import { bodyOf } from './request-fields.js';

/** Lambda's checks against reserved and account concurrency, for the config about to be put. */
export function assertProvisionedFits(
  next: ProvisionedConcurrencyRecord,
  functions: Pick<FunctionStore, 'get' | 'list'>,
  store: Pick<ProvisionedConcurrencyStore, 'all'>,
  config: Pick<AppDeps['config'], 'accountConcurrency' | 'minUnreservedConcurrency'>,
): void {
  const others = store
    .all()
    .filter((r) => r.functionName !== next.functionName || r.qualifier !== next.qualifier);
  const total = (fn: string): number =>
    others.filter((r) => r.functionName === fn).reduce((n, r) => n + r.requested, 0);
  const reserved = functions.get(next.functionName)?.spec.reservedConcurrency;
  if (reserved !== undefined) {
    if (total(next.functionName) + next.requested > reserved) {
      throw new InvalidParameterValueException(
        'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
      );
    }
    return;
  }
  // Unreserved functions' provisioned environments come out of the unreserved pool.
  let used = next.requested;
  for (const f of functions.list()) {
    const r = f.spec.reservedConcurrency;
    used += r ?? total(f.spec.name);
  }
  if (config.accountConcurrency - used < config.minUnreservedConcurrency) {
    throw new InvalidParameterValueException(
      `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${String(config.minUnreservedConcurrency)}].`,
    );
  }
}

export async function putProvisionedConcurrency(
  deps: ProvisionedRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const requested = parseProvisionedExecutions(bodyOf(req));
  const { functionName, qualifier } = provisionedTarget(req, res, deps);
  const { provisioner } = deps;
  const record: ProvisionedConcurrencyRecord = {
    functionName,
    qualifier,
    requested,
    lastModified: provisionedTimestamp(deps.clock.now()),
  };
  assertProvisionedFits(record, deps.functions, provisioner.store, deps.config);
  await provisioner.store.put(record);
  provisioner.apply(functionName);
  res.status(202).json(toProvisionedConfiguration(record, provisioner.state(record)));
}

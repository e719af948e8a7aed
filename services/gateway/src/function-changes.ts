/**
 * What must happen whenever a function changes, by whoever changed it (the API of any gateway, a
 * manifest edit, `kubectl apply`): its reserved concurrency reaches Redis, where every gateway's
 * admission reads it, and its execution environments are dropped so the next call runs the new
 * definition. Both modes go through here, so both enforce what the definition says.
 *
 * Invariants: the definition is the source of truth — the reservation applied is the one the
 * store holds *now* (not the one of the event), so late or repeated events converge; a function
 * that is gone has its reservation removed. A changed function restarts `$LATEST`'s environments
 * (published versions are immutable and keep theirs); a deleted one loses them all.
 */
import { type EnvironmentPool, type FunctionStore, LATEST } from '@lamina/core';
import type { Logger } from 'pino';

import type { Admission } from './admission/admission.js';

export interface FunctionChangesOptions {
  readonly functions: Pick<FunctionStore, 'get' | 'list' | 'onChange'>;
  readonly admission: Pick<Admission, 'setReserved'>;
  readonly pool: Pick<EnvironmentPool, 'evict'>;
  readonly logger: Pick<Logger, 'warn'>;
}

/**
 * Applies every current function's reservation, then follows changes. Resolves once the current
 * ones are applied; returns the unsubscribe function. A reservation Redis refuses (it would leave
 * less than the minimum unreserved concurrency) is logged, never fatal.
 */
export async function followFunctionChanges(o: FunctionChangesOptions): Promise<() => void> {
  const warn = (name: string) => (err: unknown) => {
    o.logger.warn({ err, function: name }, 'could not apply the function change');
  };
  const applyReservation = (name: string): Promise<void> =>
    o.admission.setReserved(name, o.functions.get(name)?.spec.reservedConcurrency);
  const changed = async (name: string): Promise<void> => {
    const gone = o.functions.get(name) === undefined;
    await o.pool.evict(name, gone ? undefined : LATEST);
    await applyReservation(name);
  };
  const unsubscribe = o.functions.onChange((name) => {
    changed(name).catch(warn(name));
  });
  for (const record of o.functions.list()) {
    const name = record.spec.name;
    await applyReservation(name).catch(warn(name));
  }
  return unsubscribe;
}

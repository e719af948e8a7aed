/**
 * Removes a function's URLs when the function is deleted, and an alias's URL when the alias is,
 * as Lambda does: a function created again under the same name starts without URLs.
 *
 * Invariants: driven by the definition stores' change events (any writer, any replica); deletes
 * are idempotent, so replicas racing on the same change agree; a failure is logged, not thrown.
 */
import type { FunctionStore, FunctionUrlStore, VersionStore } from '@lamina/core';
import type { Logger } from 'pino';

import type { UrlEndpoints } from './url-endpoints.js';

export interface UrlCleanupDeps {
  readonly functions: Pick<FunctionStore, 'get' | 'onChange'>;
  readonly versions: Pick<VersionStore, 'getAlias' | 'onChange'>;
  readonly store: FunctionUrlStore;
  readonly endpoints: Pick<UrlEndpoints, 'close'>;
  readonly logger: Pick<Logger, 'warn'>;
}

async function prune(deps: UrlCleanupDeps, functionName: string): Promise<void> {
  const exists = deps.functions.get(functionName) !== undefined;
  for (const r of await deps.store.list(functionName)) {
    const gone =
      !exists ||
      (r.qualifier !== undefined &&
        deps.versions.getAlias(functionName, r.qualifier) === undefined);
    if (!gone) continue;
    const removed = await deps.store.delete(functionName, r.qualifier);
    if (removed !== undefined) await deps.endpoints.close(removed);
  }
}

/** Follows both stores; returns the unsubscribe. */
export function followUrlTargets(deps: UrlCleanupDeps): () => void {
  const onChange = (name: string): void => {
    prune(deps, name).catch((err: unknown) => {
      deps.logger.warn({ err, functionName: name }, 'removing the URLs of a deleted target failed');
    });
  };
  const offFunctions = deps.functions.onChange(onChange);
  const offVersions = deps.versions.onChange(onChange);
  return () => {
    offFunctions();
    offVersions();
  };
}

import type { FunctionResource } from '@lamina/kube';

/** The finalizer the operator puts on every Function it manages. */
export const FUNCTION_FINALIZER = 'lamina.dev/cleanup';

/**
 * Cleanup of what owner references cannot reach (state outside Kubernetes), run before a deleted
 * Function's finalizer is removed. Must be idempotent: a failure retries the whole list.
 * Example to come: removing the function's reserved-concurrency entry from the Redis hash of
 * core's concurrencyKeys().reserved.
 */
export interface FinalizerHook {
  readonly name: string;
  cleanup(fn: FunctionResource): Promise<void>;
}

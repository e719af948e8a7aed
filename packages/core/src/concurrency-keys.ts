/**
 * Redis layout of concurrency admission, shared by every process that invokes (gateway,
 * dispatcher, poller). All keys carry the `{conc}` hash tag so a Redis Cluster keeps them in
 * one slot and the admission script stays atomic. Layout version 1.
 *
 * - `fn:<name>`   sorted set of in-flight leases of one function, scored by their expiry (ms)
 * - `unreserved`  sorted set of in-flight leases that draw from the unreserved pool
 * - `reserved`    hash function name → reserved concurrency
 * - `reserved:sum` Σ of `reserved`, maintained with it
 */
export const CONCURRENCY_LAYOUT_VERSION = 1;

export interface ConcurrencyKeys {
  readonly fnLeases: (functionName: string) => string;
  readonly unreserved: string;
  readonly reserved: string;
  readonly reservedSum: string;
}

export function concurrencyKeys(prefix = 'lamina'): ConcurrencyKeys {
  const base = `${prefix}:v${CONCURRENCY_LAYOUT_VERSION}:{conc}`;
  return {
    fnLeases: (name) => `${base}:fn:${name}`,
    unreserved: `${base}:unreserved`,
    reserved: `${base}:reserved`,
    reservedSum: `${base}:reserved:sum`,
  };
}

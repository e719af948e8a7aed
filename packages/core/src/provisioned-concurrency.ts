/**
 * Provisioned concurrency (issue #15 item 5): a number of execution environments kept
 * initialised for one published version or alias. AWS keys the config per qualifier: an alias's
 * config and a version's config are separate records, and an alias's environments are those of
 * the version it points to. `$LATEST` (or no qualifier) never has one.
 *
 * Invariants: `requested` is an integer ≥ 1; a record's qualifier is a version number or an alias
 * name; the status is not stored — it is derived from how many environments are initialised now.
 */
import {
  InvalidParameterValueException,
  ProvisionedConcurrencyConfigNotFoundException,
  ValidationException,
} from './errors.js';
import { LATEST } from './names.js';

/** One PutProvisionedConcurrencyConfig as stored. */
export interface ProvisionedConcurrencyRecord {
  readonly functionName: string;
  /** A version number or an alias name. */
  readonly qualifier: string;
  readonly requested: number;
  /** ISO-8601, as Lambda writes LastModified here (`2019-12-31T23:59:59+0000`). */
  readonly lastModified: string;
}

/** Where the configs live: file stores (local mode), the version resources (cluster mode). */
export interface ProvisionedConcurrencyStore {
  get(functionName: string, qualifier: string): ProvisionedConcurrencyRecord | undefined;
  /** The function's configs, sorted by qualifier. */
  list(functionName: string): readonly ProvisionedConcurrencyRecord[];
  /** Every function's configs (account-wide concurrency checks). */
  all(): readonly ProvisionedConcurrencyRecord[];
  put(record: ProvisionedConcurrencyRecord): Promise<void>;
  /** ProvisionedConcurrencyConfigNotFoundException when there is none. */
  delete(functionName: string, qualifier: string): Promise<void>;
  /** Removes every config of a function (it, or one of its qualifiers, was deleted). */
  deleteFunction(functionName: string): Promise<void>;
}

export type ProvisionedStatus = 'IN_PROGRESS' | 'READY' | 'FAILED';

/** What the pool reports for a config: environments initialised now, or why it failed. */
export interface ProvisionedState {
  readonly ready: number;
  readonly failure?: string;
}

/** Lambda's 404 for a qualifier without a config. */
export const provisionedConfigNotFound = (): Error =>
  new ProvisionedConcurrencyConfigNotFoundException(
    'No Provisioned Concurrency Config found for this function',
  );

/** `$LATEST` or no qualifier: refused as Lambda does. */
export function assertProvisionableQualifier(
  qualifier: string | undefined,
): asserts qualifier is string {
  if (qualifier === undefined || qualifier === LATEST) {
    throw new InvalidParameterValueException(
      'Provisioned Concurrency Configs cannot be applied to unpublished function versions ($LATEST).',
    );
  }
}

/** `ProvisionedConcurrentExecutions` of the Put body: an integer ≥ 1. */
export function parseProvisionedExecutions(body: Readonly<Record<string, unknown>>): number {
  const v = body['ProvisionedConcurrentExecutions'];
  if (v === undefined || v === null) {
    throw new ValidationException(
      "1 validation error detected: Value null at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must not be null",
    );
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ValidationException(
      `1 validation error detected: Value '${JSON.stringify(v)}' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  return v;
}

/** Lambda's `2019-12-31T23:59:59+0000` form. */
export function provisionedTimestamp(nowMs: number): string {
  return new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/** Status from the environments initialised now: READY once all requested are, FAILED on error. */
export function provisionedStatus(requested: number, state: ProvisionedState): ProvisionedStatus {
  if (state.failure !== undefined) return 'FAILED';
  return state.ready >= requested ? 'READY' : 'IN_PROGRESS';
}

/** The GetProvisionedConcurrencyConfig body. */
export function toProvisionedConfiguration(
  record: ProvisionedConcurrencyRecord,
  state: ProvisionedState,
): Record<string, unknown> {
  const available = Math.min(record.requested, state.ready);
  const status = provisionedStatus(record.requested, state);
  return {
    RequestedProvisionedConcurrentExecutions: record.requested,
    AvailableProvisionedConcurrentExecutions: available,
    AllocatedProvisionedConcurrentExecutions: available,
    Status: status,
    ...(status === 'FAILED' ? { StatusReason: state.failure } : {}),
    LastModified: record.lastModified,
  };
}

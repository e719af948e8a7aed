/**
 * Who moves a function out of Pending / InProgress (core's function-state.ts, ADR 0033). In local
 * mode this process does, once the change is in place: the code the record names is on disk
 * (unpacked) → Active / Successful, else Failed with the reason. In cluster mode the operator's
 * status decides (the custom-resource store maps it), so nothing happens here.
 *
 * Invariants: `begin` queues the transition on the store's per-function lock *before* the route
 * answers, so a later update from the same client is serialised after it; an invoke of a function
 * whose local transition is under way waits for it (`settled`) instead of failing, since the wait
 * is milliseconds. A transition of a function deleted meanwhile is dropped.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';

import {
  type FunctionRecord,
  type FunctionStore,
  isTransitioning,
  settledState,
  withState,
} from '@lamina/core';
import type { Logger } from 'pino';

export interface StateTransitions {
  /** A create or an update of `name` has been stored in its in-progress state. */
  begin(name: string): void;
  /** Resolves once a transition of `name` begun here has been applied; undefined: none. */
  settled(name: string): Promise<void> | undefined;
}

/** Cluster mode: the operator reports the state; the store maps it. */
export const OPERATOR_REPORTED: StateTransitions = {
  begin: () => undefined,
  settled: () => undefined,
};

export interface LocalTransitionsOptions {
  readonly functions: Pick<FunctionStore, 'get' | 'update'>;
  readonly logger: Pick<Logger, 'warn'>;
  /** The least time a transition takes (LAMINA_STATE_SETTLE_MS; tests observe the states). */
  readonly settleMs?: number;
  /** Whether unpacked code is at `location`; default: the folder exists (a sync stat). */
  readonly codeAvailable?: (location: string) => boolean;
}

/**
 * Why the code of `record` cannot run, if it cannot: its unpacked folder is missing. Sync (a stat
 * takes microseconds), so the transition's write is queued before the route answers.
 */
function codeProblem(
  record: FunctionRecord,
  available: (location: string) => boolean,
): { reason: string; code: string } | undefined {
  if (record.code.imageUri !== undefined || record.code.location === '') return undefined;
  if (available(record.code.location)) return undefined;
  return {
    reason: `The function's code is not available: ${record.code.location}`,
    code: 'InvalidConfiguration',
  };
}

export class LocalTransitions implements StateTransitions {
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(private readonly o: LocalTransitionsOptions) {}

  begin(name: string): void {
    const settleMs = this.o.settleMs ?? 0;
    const available = this.o.codeAvailable ?? existsSync;
    const apply = (): Promise<unknown> =>
      this.o.functions.update(name, (now) =>
        isTransitioning(now)
          ? withState(
              { ...now, revisionId: randomUUID() },
              settledState(now, codeProblem(now, available)),
            )
          : now,
      );
    // With no hold the update is queued on the store's lock now, before the route answers.
    const run = settleMs > 0 ? new Promise((r) => setTimeout(r, settleMs)).then(apply) : apply();
    const done = run.then(
      () => undefined,
      (err: unknown) => {
        if ((err as { name?: string }).name !== 'ResourceNotFoundException') {
          this.o.logger.warn({ err, function: name }, 'could not finish the state transition');
        }
      },
    );
    this.inflight.set(name, done);
    void done.then(() => {
      if (this.inflight.get(name) === done) this.inflight.delete(name);
    });
  }

  settled(name: string): Promise<void> | undefined {
    return this.inflight.get(name);
  }
}

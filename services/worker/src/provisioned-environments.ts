/**
 * Provisioned concurrency in local mode (issue #15 item 5): per published version, the number of
 * environments the ProcessPool keeps started and initialised before any call. Each is started
 * with AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency, waits for its init phase, and is
 * then parked idle in the pool, so its first call reports no `Init Duration` (Lambda's
 * provisioned environments are not cold).
 *
 * Invariants: a pinned environment is never stopped by the idle TTL; one that is lost (died,
 * broke) is replaced while its version's target stands; an init failure marks the target failed
 * (FUNCTION_ERROR_INIT_FAILURE) and is not retried, so a broken function never spins; a target of
 * 0 unpins its environments, and the idle ones stop at once (busy ones stop when their call ends).
 */
import type { FunctionVersionConfig } from '@lamina/core';
import type { ExecutionEnvironment } from './execution-environment.js';
import type { WorkerLogger } from './types.js';

/** What the ProcessPool lends: its cold starts and its idle list. */
export interface ProvisionHooks {
  readonly logger: WorkerLogger;
  /** A started provisioned environment, counted by the pool as live and in use. */
  start(fn: FunctionVersionConfig): Promise<ExecutionEnvironment>;
  /** Hands an initialised environment to the pool's idle list. */
  park(fn: FunctionVersionConfig, env: ExecutionEnvironment): void;
  /** Stops an environment the pool counts (a failed init, or an unpinned idle one). */
  drop(env: ExecutionEnvironment): Promise<void>;
  /** True when the environment is parked idle (not running a call). */
  isIdle(env: ExecutionEnvironment): boolean;
  /** False once the pool is closing. */
  open(): boolean;
}

interface Target {
  fn: FunctionVersionConfig;
  count: number;
  readonly envs: Set<ExecutionEnvironment>;
  starting: number;
  failure: string | undefined;
}

const INIT_FAILURE = 'FUNCTION_ERROR_INIT_FAILURE';

const keyOf = (name: string, version: string): string => `${name}\0${version}`;

export class ProvisionedEnvironments {
  private readonly hooks: ProvisionHooks;
  private readonly targets = new Map<string, Target>();
  private readonly owner = new WeakMap<ExecutionEnvironment, Target>();

  constructor(hooks: ProvisionHooks) {
    this.hooks = hooks;
  }

  /** Keep `count` initialised environments of this version (0: back to on-demand). */
  set(fn: FunctionVersionConfig, count: number): void {
    const key = keyOf(fn.name, fn.version);
    const existing = this.targets.get(key);
    if (count <= 0) {
      if (existing !== undefined) this.release(key, existing);
      return;
    }
    const target = existing ?? {
      fn,
      count,
      envs: new Set<ExecutionEnvironment>(),
      starting: 0,
      failure: undefined,
    };
    target.fn = fn;
    target.count = count;
    // A new Put is a new attempt after a failure.
    target.failure = undefined;
    this.targets.set(key, target);
    this.fill(target);
  }

  /** Initialised environments of that version now, and the failure reason if provisioning failed. */
  state(name: string, version: string): { ready: number; failure?: string } {
    const t = this.targets.get(keyOf(name, version));
    if (t === undefined) return { ready: 0 };
    const ready = t.envs.size;
    return t.failure === undefined ? { ready } : { ready, failure: t.failure };
  }

  /** True while the environment is one of a version's provisioned ones. */
  pinned(env: ExecutionEnvironment): boolean {
    return this.owner.has(env);
  }

  /** The pool stopped or lost this environment: forget it and replace it. */
  lost(env: ExecutionEnvironment): void {
    const t = this.owner.get(env);
    if (t === undefined) return;
    this.owner.delete(env);
    t.envs.delete(env);
    if (this.targets.get(keyOf(t.fn.name, t.fn.version)) === t) this.fill(t);
  }

  /** Forgets the targets of a function (all versions, or one) without stopping anything. */
  forget(name: string, version?: string): void {
    for (const [key, t] of this.targets) {
      if (t.fn.name !== name || (version !== undefined && t.fn.version !== version)) continue;
      this.targets.delete(key);
      for (const env of t.envs) this.owner.delete(env);
      t.envs.clear();
    }
  }

  private release(key: string, t: Target): void {
    this.targets.delete(key);
    for (const env of t.envs) {
      this.owner.delete(env);
      if (this.hooks.isIdle(env)) void this.hooks.drop(env);
    }
    t.envs.clear();
  }

  private fill(t: Target): void {
    while (this.hooks.open() && t.failure === undefined && t.envs.size + t.starting < t.count) {
      t.starting += 1;
      void this.startOne(t);
    }
  }

  private async startOne(t: Target): Promise<void> {
    const fn = t.fn;
    let env: ExecutionEnvironment;
    try {
      env = await this.hooks.start(fn);
    } catch (err) {
      t.starting -= 1;
      t.failure = INIT_FAILURE;
      this.hooks.logger.warn({ err, fn: fn.name, version: fn.version }, 'provisioning failed');
      return;
    }
    const init = await env.awaitInit();
    t.starting -= 1;
    if (init.kind !== 'ok') {
      t.failure = INIT_FAILURE;
      this.hooks.logger.warn(
        { fn: fn.name, version: fn.version, init: init.kind },
        'provisioned environment failed to initialise',
      );
      await this.hooks.drop(env);
      return;
    }
    const current = this.targets.get(keyOf(fn.name, fn.version)) === t;
    if (current && t.envs.size < t.count) {
      t.envs.add(env);
      this.owner.set(env, t);
    }
    // Not needed any more (target lowered or removed): parked as an ordinary warm environment.
    this.hooks.park(fn, env);
  }
}

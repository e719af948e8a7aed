/**
 * The one execution environment of a worker pod, started and initialised when the pod starts
 * (init at start, issue #15), so the pod turns ready warm: its first call reports no cold start
 * and no `Init Duration`, as Lambda's provisioned environments do.
 *
 * States: `idle` (nothing started: no code yet, or init at start is off) → `warming` (runtime
 * started, init running; not ready) → `warm` (ready) | `failed` (init failed, the reason on
 * /readyz, tried again after a jittered, growing delay). A failed pod is ready unless it is a
 * provisioned one (`readyWhenFailed`): calls must reach it to get the init error, as Lambda
 * answers every call to a function whose init fails; a provisioned pod's failure is its
 * allocation's status (FAILED) instead.
 * A call never waits behind a second environment: it waits for a running init attempt, then
 * - `warm` and reusable: runs on it;
 * - otherwise (`idle`, `failed`, or the environment broke: timeout, crash, memory): a new
 *   environment is started inside the call, whose init the call waits for and reports (cold,
 *   `Init Duration`), so an init error reaches the caller as the function error of that call
 *   (200, `Unhandled`, its errorType), as Lambda reports a failed init on the next invoke. If
 *   the new one is reusable afterwards it is kept (`warm`); if not, `failed` again.
 * Invariants: at most one environment lives at a time; `close()` stops it and every retry; an
 * environment is discarded (stopped, then `afterStop`: the pod's strays killed) before the next
 * one starts. The call that broke a warm environment is answered before that discard, which the
 * next call waits for: a timeout is answered when it happens, however long the cleanup takes.
 */
import {
  backoffDelay,
  ResourceNotReadyException,
  type FunctionVersionConfig,
  type Invocation,
  type InvocationResult,
} from '@lamina/core';

import { EnvironmentLostError } from '../environment-lost-error.js';
import type { ExecutionEnvironment } from '../execution-environment.js';
import { initFailureError } from '../init-state.js';
import type { WorkerLogger } from '../types.js';
import type { Readiness } from './worker-agent.js';

export interface PodEnvironmentOptions {
  /** Makes (does not start) an environment of `fn`. */
  readonly create: (fn: FunctionVersionConfig) => ExecutionEnvironment;
  readonly logger: WorkerLogger;
  /** For the message of a timed-out or unstartable init. */
  readonly executable: string;
  readonly initTimeoutMs: number;
  /** First retry delay after a failed init at start; default 1 s. */
  readonly baseDelayMs?: number;
  /** Longest delay between init attempts; default 60 s. */
  readonly maxDelayMs?: number;
  readonly random?: () => number;
  /**
   * True for an environment made from the pod's parked runtime (ADR 0019): if its specialisation
   * fails (the runtime died before it confirmed), the call gets a freshly spawned one instead,
   * invisibly, as local mode's cold starts do.
   */
  readonly specialized?: (env: ExecutionEnvironment) => boolean;
  /** Ready while init has failed, so calls get the init error (on-demand pods); default false. */
  readonly readyWhenFailed?: boolean;
  /** Runs after every discarded environment stopped (kills what it left behind). */
  readonly afterStop?: () => Promise<void>;
}

type State =
  | { readonly kind: 'idle' | 'warming' | 'closed' }
  | { readonly kind: 'warm'; readonly env: ExecutionEnvironment }
  | { readonly kind: 'failed'; readonly reason: string; readonly failures: number };

/** The text of an init failure for /readyz and the log: `Runtime.ExitError: …`. */
function reasonOf(errorType: string, payload: Buffer): string {
  let message = '';
  try {
    const body = JSON.parse(payload.toString('utf8')) as { errorMessage?: unknown };
    if (typeof body.errorMessage === 'string') message = body.errorMessage;
  } catch {
    message = payload.toString('utf8').slice(0, 300);
  }
  return `init failed: ${errorType}${message === '' ? '' : `: ${message}`}`;
}

/** See the file comment. */
export class PodEnvironment {
  private readonly opts: PodEnvironmentOptions;
  private state: State = { kind: 'idle' };
  /** The init attempt running now (at start or a retry); calls wait for it. */
  private attempt: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private live: ExecutionEnvironment | undefined;

  constructor(options: PodEnvironmentOptions) {
    this.opts = options;
  }

  /** Starts the environment of `fn` and its init now, unless one exists or is starting. */
  warm(fn: FunctionVersionConfig): void {
    if (this.state.kind !== 'idle' && this.state.kind !== 'failed') return;
    if (this.attempt !== undefined) return;
    clearTimeout(this.retryTimer);
    const failures = this.state.kind === 'failed' ? this.state.failures : 0;
    this.state = { kind: 'warming' };
    this.attempt = this.initialise(fn, failures).finally(() => (this.attempt = undefined));
  }

  /** Not ready while init runs at start or has failed; `idle` and `warm` are ready. */
  readiness(): Readiness {
    switch (this.state.kind) {
      case 'warming':
        return { ready: false, reason: 'initialising the runtime' };
      case 'failed':
        return { ready: this.opts.readyWhenFailed === true, reason: this.state.reason };
      case 'closed':
        return { ready: false, reason: 'closed' };
      case 'idle':
      case 'warm':
        return { ready: true, reason: 'ready' };
    }
  }

  async invoke(fn: FunctionVersionConfig, invocation: Invocation): Promise<InvocationResult> {
    await this.attempt;
    if (this.state.kind === 'closed') throw new Error('the pod environment is closed');
    if (this.state.kind === 'warm' && this.state.env.reusable) {
      const { env } = this.state;
      try {
        return await this.keepIfReusable(fn, env, await env.invoke(invocation));
      } catch (err) {
        if (!(err instanceof EnvironmentLostError)) throw err;
        // The runtime died while idle and never saw this call: run it on a new environment.
        this.opts.logger.info({}, 'idle runtime exited; running the call on a new environment');
        await this.discard(env);
      }
    } else if (this.state.kind === 'warm') {
      await this.discard(this.state.env);
    }
    clearTimeout(this.retryTimer);
    const env = await this.startNew(fn);
    return this.keepIfReusable(fn, env, await env.invoke(invocation));
  }

  /** A started environment for a cold call; a failed specialisation is retried fresh once. */
  private async startNew(fn: FunctionVersionConfig, fresh = false): Promise<ExecutionEnvironment> {
    const env = this.opts.create(fn);
    this.live = env;
    try {
      await env.start();
      return env;
    } catch (err) {
      await this.discard(env);
      if (!fresh && this.opts.specialized?.(env) === true) {
        this.opts.logger.warn({ err }, 'specialisation failed; starting a fresh runtime');
        return this.startNew(fn, true);
      }
      throw new ResourceNotReadyException(
        `Could not start an execution environment for ${fn.name}: ${String(err)}`,
        { cause: err },
      );
    }
  }

  /** Stops the environment and any retry. Idempotent. */
  async close(): Promise<void> {
    // Closed first, so an init attempt that ends now schedules nothing; stopping its runtime
    // ends that attempt at once instead of after the init timeout.
    this.state = { kind: 'closed' };
    clearTimeout(this.retryTimer);
    await this.live?.stop();
    await this.attempt;
  }

  /** Keeps a healthy environment; a broken one goes, and a failed init makes the pod unready. */
  private async keepIfReusable(
    fn: FunctionVersionConfig,
    env: ExecutionEnvironment,
    result: InvocationResult,
  ): Promise<InvocationResult> {
    if (env.reusable) {
      this.state = { kind: 'warm', env };
      return result;
    }
    // Settled by now (the call waited for it); a broken environment's init state is final.
    const init = await env.awaitInit();
    if (init.kind === 'ok') {
      // A warm environment broke (timeout, crash, memory): the call is answered now, as Lambda
      // answers a timeout when it happens; the environment goes after. The next call and
      // `close()` wait for that (`attempt`), so a fork bomb's cleanup never delays the answer
      // and the next environment still starts only once nothing of this one is left.
      this.state = { kind: 'idle' };
      this.attempt = this.discard(env)
        .catch((err: unknown) => {
          this.opts.logger.warn({ err }, 'stopping a broken environment failed');
        })
        .finally(() => (this.attempt = undefined));
      return result;
    }
    await this.discard(env);
    const failures = this.state.kind === 'failed' ? this.state.failures : 0;
    this.fail(fn, failures + 1, reasonOf(result.errorType ?? 'Runtime.Unknown', result.payload));
    return result;
  }

  private async discard(env: ExecutionEnvironment): Promise<void> {
    if (this.live === env) this.live = undefined;
    if (this.state.kind === 'warm' && this.state.env === env) this.state = { kind: 'idle' };
    await env.stop();
    await this.opts.afterStop?.();
  }

  private async initialise(fn: FunctionVersionConfig, failures: number): Promise<void> {
    const env = this.opts.create(fn);
    this.live = env;
    const started = performance.now();
    try {
      await env.start();
      const init = await env.awaitInit();
      if (init.kind === 'ok' && env.reusable && this.state.kind === 'warming') {
        this.state = { kind: 'warm', env };
        this.opts.logger.info(
          { initMs: Math.round(performance.now() - started) },
          'runtime initialised at start; ready',
        );
        return;
      }
      const error =
        init.kind === 'ok'
          ? undefined
          : initFailureError(init, 'init', {
              executable: this.opts.executable,
              initTimeoutMs: this.opts.initTimeoutMs,
              now: new Date(),
            });
      await this.discard(env);
      this.fail(
        fn,
        failures + 1,
        error === undefined
          ? 'init failed: the runtime exited after init'
          : reasonOf(error.errorType, error.payload),
      );
    } catch (err) {
      await this.discard(env);
      this.fail(fn, failures + 1, `init failed: ${(err as Error).message}`);
    }
  }

  private fail(fn: FunctionVersionConfig, failures: number, reason: string): void {
    if (this.state.kind === 'closed') return;
    // Core's backoff with equal jitter (in [d/2, d]), as the code delivery retries.
    const delayMs = backoffDelay(failures - 1, {
      baseMs: this.opts.baseDelayMs ?? 1000,
      maxMs: this.opts.maxDelayMs ?? 60_000,
      jitter: 0.5,
      ...(this.opts.random === undefined ? {} : { random: this.opts.random }),
    });
    this.state = { kind: 'failed', reason, failures };
    this.opts.logger.error(
      { reason, failures, retryInMs: delayMs },
      'runtime init at start failed: not ready; trying again',
    );
    this.retryTimer = setTimeout(() => {
      this.warm(fn);
    }, delayMs);
    this.retryTimer.unref();
  }
}

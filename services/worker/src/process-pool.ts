import {
  ServiceException,
  type EnvironmentPool,
  type FunctionVersionConfig,
  type Invocation,
  type InvocationResult,
} from '@lamina/core';
import { EnvironmentLostError } from './environment-lost-error.js';
import { ExecutionEnvironment } from './execution-environment.js';
import { ColdStarts } from './cold-start.js';
import { ProvisionedEnvironments } from './provisioned-environments.js';
import { OptDirs, type OptDirsOptions } from './opt-dirs.js';
import type { CredentialsFor } from './role-credentials.js';
import type { Placements } from './sandbox/runtime-placement.js';
import type { GenericPool } from './generic-pool.js';
import type { VersionProbe } from './runtime-version-check.js';
import {
  systemClock,
  type Clock,
  type LogSink,
  type RuntimeCommand,
  type WorkerLogger,
} from './types.js';

export interface ProcessPoolOptions {
  readonly logger: WorkerLogger;
  /** Runtime id → command, e.g. `{ 'nodejs22.x': { command: [nodeBin, bootstrapPath] } }`. */
  readonly runtimes: Readonly<Record<string, RuntimeCommand>>;
  /** Every line of every function's log. */
  readonly onLog?: LogSink;
  /** Idle environments are stopped after this long unused; default 10 minutes. */
  readonly idleTtlMs?: number;
  readonly clock?: Clock;
  /** Parent directory of the environments' private /tmp dirs; default the OS temp dir. */
  readonly tmpRoot?: string;
  /** Host variables passed to every runtime (PATH, LANG, AWS credentials …). */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** Init phase limit per environment; default 10 s. */
  readonly initTimeoutMs?: number;
  readonly memoryCheckIntervalMs?: number;
  /** How a runtime binary's version is read; default runs `<binary> --version`. */
  readonly versionProbe?: VersionProbe;
  /** A pre-warmed generic runtime not booted within this long is replaced; default 10 s. */
  readonly genericBootTimeoutMs?: number;
  /** Where layer content is and where merged `/opt` folders go; absent: layers cannot run. */
  readonly layers?: OptDirsOptions;
  /** Credentials per execution role ARN, read at each cold start; absent: platform's or fake. */
  readonly credentialsFor?: CredentialsFor;
  /** Where runtimes run: a bubblewrap `Sandbox` (ADR 0029); absent: plain child processes. */
  readonly placements?: Placements;
}

interface IdleEntry {
  readonly env: ExecutionEnvironment;
  readonly since: number;
}

const DEFAULT_IDLE_TTL_MS = 10 * 60 * 1000;

/**
 * Local-mode execution environments: each is a child runtime process with its own Runtime API
 * server in this process. Environments are kept per function name + version + code (and config),
 * reused while idle, replaced when broken, stopped after the idle TTL. A cold call's environment
 * comes from `ColdStarts`: a pre-warmed generic runtime specialised for it, or a new spawn.
 */
export class ProcessPool implements EnvironmentPool {
  private readonly opts: ProcessPoolOptions;
  private readonly clock: Clock;
  private readonly idleTtlMs: number;
  private readonly idle = new Map<string, IdleEntry[]>();
  private readonly all = new Set<ExecutionEnvironment>();
  /** Environments to stop instead of reuse when their invocation ends (evicted while busy). */
  private readonly retired = new WeakSet<ExecutionEnvironment>();
  /** Environments running (or starting for) an invocation. */
  private readonly inUse = new Set<ExecutionEnvironment>();
  private readonly busyCounts = new Map<string, number>();
  private readonly keys = new WeakMap<FunctionVersionConfig, string>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly cold: ColdStarts;
  private readonly pinned: ProvisionedEnvironments;
  private readonly exitHook = (): void => {
    for (const env of this.all) env.killNow();
    this.cold.generics.killNow();
  };
  private exitHookInstalled = false;
  private closing: Promise<void> | undefined;

  constructor(options: ProcessPoolOptions) {
    this.opts = options;
    this.clock = options.clock ?? systemClock;
    this.idleTtlMs = options.idleTtlMs ?? DEFAULT_IDLE_TTL_MS;
    this.sweeper = setInterval(
      () => {
        this.sweep();
      },
      Math.max(10, Math.min(this.idleTtlMs / 2, 30_000)),
    );
    this.sweeper.unref();
    this.cold = new ColdStarts({
      ...options,
      ...(options.layers === undefined ? {} : { optDirs: new OptDirs(options.layers) }),
      clock: this.clock,
      adopt: (env) => {
        this.all.add(env);
        this.inUse.add(env);
        this.installExitHook();
      },
      drop: (env) => {
        this.inUse.delete(env);
        return this.discard(env);
      },
      // Died while idle: drop it now. Died in use: the invocation reports it, release drops it.
      onExit: (gone) => {
        if (!this.inUse.has(gone)) void this.discard(gone);
      },
    });
    if (this.cold.generics.enabled) this.installExitHook();
    this.pinned = new ProvisionedEnvironments({
      logger: options.logger,
      start: (fn) => this.cold.start(fn, true),
      park: (fn, env) => {
        this.release(this.keyOf(fn), env);
      },
      drop: (env) => {
        this.inUse.delete(env);
        return this.discard(env);
      },
      isIdle: (env) => !this.inUse.has(env),
      open: () => this.closing === undefined,
    });
  }

  provision(fn: FunctionVersionConfig, count: number): void {
    this.pinned.set(fn, count);
  }

  provisioned(functionName: string, version: string): { ready: number; failure?: string } {
    return this.pinned.state(functionName, version);
  }

  async invoke(fn: FunctionVersionConfig, invocation: Invocation): Promise<InvocationResult> {
    if (this.closing !== undefined) throw new ServiceException('The environment pool is closed.');
    const key = this.keyOf(fn);
    this.busyCounts.set(fn.name, (this.busyCounts.get(fn.name) ?? 0) + 1);
    try {
      try {
        return await this.invokeOn(
          this.takeIdle(key) ?? (await this.cold.start(fn)),
          key,
          invocation,
        );
      } catch (err) {
        if (!(err instanceof EnvironmentLostError)) throw err;
        // The runtime died between invocations and never saw this one: run it on a new one.
        this.opts.logger.info(
          { fn: fn.name },
          'idle runtime exited; retrying on a new environment',
        );
        return await this.invokeOn(await this.cold.start(fn), key, invocation);
      }
    } finally {
      const n = (this.busyCounts.get(fn.name) ?? 1) - 1;
      if (n === 0) this.busyCounts.delete(fn.name);
      else this.busyCounts.set(fn.name, n);
    }
  }

  private async invokeOn(
    env: ExecutionEnvironment,
    key: string,
    invocation: Invocation,
  ): Promise<InvocationResult> {
    this.inUse.add(env);
    try {
      return await env.invoke(invocation);
    } finally {
      this.release(key, env);
    }
  }

  async evict(functionName: string, version?: string): Promise<void> {
    const matches = (fn: FunctionVersionConfig | undefined): boolean =>
      fn?.name === functionName && (version === undefined || fn.version === version);
    this.pinned.forget(functionName, version);
    const stops: Promise<void>[] = [];
    // Only a parked environment is stopped now. One that is reusable but not parked has just
    // been started (or taken) for a call that has not reached it yet: it is retired like a busy
    // one, and stopped when that call ends, so the call still runs.
    const parked = new Set<ExecutionEnvironment>();
    for (const list of this.idle.values()) for (const entry of list) parked.add(entry.env);
    for (const env of this.all) {
      if (!matches(env.fn)) continue;
      if (env.reusable && parked.has(env)) stops.push(this.discard(env));
      else this.retired.add(env);
    }
    for (const [key, list] of this.idle) {
      if (matches(list[0]?.env.fn)) this.idle.delete(key);
    }
    await Promise.all(stops);
  }

  busy(): ReadonlyMap<string, number> {
    return this.busyCounts;
  }

  /** Stops every environment (killing busy ones). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.sweeper);
      this.idle.clear();
      await Promise.all(
        [...this.all].map((env) => this.discard(env)).concat(this.cold.generics.close()),
      );
      if (this.exitHookInstalled) process.off('exit', this.exitHook);
    })();
    return this.closing;
  }

  /** Number of live environments (idle and busy), for tests and metrics. */
  get size(): number {
    return this.all.size;
  }

  /** The pre-warmed generic runtimes (tests and metrics). */
  get warm(): Pick<GenericPool, 'sizes' | 'readyCount' | 'pids'> {
    return this.cold.generics;
  }

  private keyOf(fn: FunctionVersionConfig): string {
    let key = this.keys.get(fn);
    if (key === undefined) {
      // Name, version and code, plus the config an environment is started with, so a changed
      // $LATEST never reuses an environment started from the old config.
      key = [
        fn.name,
        fn.version,
        fn.codeSha256,
        fn.runtime,
        fn.handler,
        fn.memorySize,
        fn.codeDir,
        fn.layers?.join(',') ?? '',
        fn.role ?? '',
        JSON.stringify(fn.environment),
      ].join('\0');
      this.keys.set(fn, key);
    }
    return key;
  }

  private takeIdle(key: string): ExecutionEnvironment | undefined {
    const list = this.idle.get(key);
    if (list === undefined) return undefined;
    let entry = list.pop();
    while (entry !== undefined && !entry.env.reusable) entry = list.pop();
    if (list.length === 0) this.idle.delete(key);
    return entry?.env;
  }

  private release(key: string, env: ExecutionEnvironment): void {
    this.inUse.delete(env);
    if (!env.reusable || this.retired.has(env) || this.closing !== undefined) {
      void this.discard(env);
      return;
    }
    const entry = { env, since: this.clock.now() };
    const list = this.idle.get(key);
    if (list === undefined) this.idle.set(key, [entry]);
    else list.push(entry);
  }

  private sweep(): void {
    const cutoff = this.clock.now() - this.idleTtlMs;
    for (const [key, list] of this.idle) {
      // Provisioned environments stay however long they wait.
      const keep = list.filter(
        (e) => e.env.reusable && (e.since > cutoff || this.pinned.pinned(e.env)),
      );
      if (keep.length === list.length) continue;
      for (const e of list) if (!keep.includes(e)) void this.discard(e.env);
      if (keep.length === 0) this.idle.delete(key);
      else this.idle.set(key, keep);
    }
  }

  private discard(env: ExecutionEnvironment): Promise<void> {
    this.all.delete(env);
    this.pinned.lost(env);
    return env.stop().catch((err: unknown) => {
      this.opts.logger.error({ err, fn: env.fn.name }, 'failed to stop an execution environment');
    });
  }

  private installExitHook(): void {
    if (this.exitHookInstalled) return;
    this.exitHookInstalled = true;
    process.on('exit', this.exitHook);
  }
}

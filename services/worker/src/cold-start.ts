import {
  InvalidRuntimeException,
  LaminaError,
  ResourceNotReadyException,
  ServiceException,
  type FunctionVersionConfig,
} from '@lamina/core';
import { assertDocker, dockerLauncher } from './docker-runtime.js';
import { ExecutionEnvironment } from './execution-environment.js';
import { GenericPool, warmPools } from './generic-pool.js';
import type { Placements } from './sandbox/runtime-placement.js';
import type { OptDirs } from './opt-dirs.js';
import type { CredentialsFor } from './role-credentials.js';
import type { GenericRuntime } from './generic-runtime.js';
import { runtimeDirOf, runtimePathsOf, spawnCommandOf } from './runtime-command.js';
import { checkNodeMajor, execVersionProbe, type VersionProbe } from './runtime-version-check.js';
import type { Clock, LogSink, RuntimeCommand, WorkerLogger } from './types.js';

/** ProcessPool's options (documented there) and its bookkeeping hooks. */
export interface ColdStartsOptions {
  readonly logger: WorkerLogger;
  readonly runtimes: Readonly<Record<string, RuntimeCommand>>;
  readonly onLog?: LogSink;
  readonly tmpRoot?: string;
  readonly baseEnv?: Readonly<Record<string, string>>;
  readonly initTimeoutMs?: number;
  readonly memoryCheckIntervalMs?: number;
  readonly versionProbe?: VersionProbe;
  readonly genericBootTimeoutMs?: number;
  /** Merges a function's layers into its `/opt`; absent: functions with layers cannot start. */
  readonly optDirs?: OptDirs;
  /** The credentials of an execution role; absent or unmapped: the platform's or fake ones. */
  readonly credentialsFor?: CredentialsFor;
  /** Where runtimes run: a sandbox (ADR 0029); absent: plain processes. */
  readonly placements?: Placements;
  readonly clock: Clock;
  /** A new environment, before it starts: the pool counts it (live and in use). */
  readonly adopt: (env: ExecutionEnvironment) => void;
  /** An environment whose start failed: the pool forgets and stops it. */
  readonly drop: (env: ExecutionEnvironment) => Promise<void>;
  /** An environment's runtime is gone. */
  readonly onExit: (env: ExecutionEnvironment) => void;
}

/**
 * Makes the environment of a cold call (ADR 0004, ADR 0019): specialises a pre-warmed generic
 * runtime of the function's runtime when the pool has one the function can run on, else spawns
 * a runtime for it. A specialisation that fails (the generic runtime died or broke before it
 * confirmed) is dropped and the call gets a freshly spawned environment, so the caller never sees
 * it. The ProcessPool keeps, reuses and retires what this makes.
 */
export class ColdStarts {
  readonly generics: GenericPool;
  private readonly opts: ColdStartsOptions;
  private readonly versionChecks = new Map<string, Promise<string | undefined>>();
  /** Docker answered (image functions); a failed check is forgotten, so it is tried again. */
  private docker: Promise<void> | undefined;
  private readonly forgetDocker = (err: unknown): never => {
    this.docker = undefined;
    throw err;
  };

  constructor(options: ColdStartsOptions) {
    this.opts = options;
    this.generics = new GenericPool({
      logger: options.logger,
      runtimes: warmPools(options.runtimes, options.logger),
      baseEnv: options.baseEnv ?? {},
      ...(options.tmpRoot !== undefined ? { tmpRoot: options.tmpRoot } : {}),
      ...(options.placements !== undefined ? { placements: options.placements } : {}),
      ...(options.genericBootTimeoutMs !== undefined
        ? { bootTimeoutMs: options.genericBootTimeoutMs }
        : {}),
    });
  }

  /**
   * A started environment for this function (init goes on in the background); `provisioned`
   * marks it as one kept initialised ahead of calls (AWS_LAMBDA_INITIALIZATION_TYPE).
   */
  async start(fn: FunctionVersionConfig, provisioned = false): Promise<ExecutionEnvironment> {
    // A generic runtime started before its function's layer search paths were known.
    const generic =
      fn.layers === undefined && fn.image === undefined ? this.generics.claim(fn) : undefined;
    if (generic === undefined) return this.spawn(fn, undefined, provisioned);
    try {
      return await this.spawn(fn, generic, provisioned);
    } catch (err) {
      this.opts.logger.warn(
        { err, fn: fn.name },
        'specialisation failed; starting a fresh runtime',
      );
      return this.spawn(fn, undefined, provisioned);
    }
  }

  private async optDirOf(fn: FunctionVersionConfig): Promise<string | undefined> {
    if (fn.layers === undefined || fn.layers.length === 0) return undefined;
    if (this.opts.optDirs === undefined) {
      throw new ServiceException('This environment pool was started without a place for layers.');
    }
    return this.opts.optDirs.prepare(fn.layers);
  }

  private async spawn(
    fn: FunctionVersionConfig,
    generic: GenericRuntime | undefined,
    provisioned: boolean,
  ): Promise<ExecutionEnvironment> {
    // An image function runs its image through Docker (ADR 0028), checked once it answers.
    if (fn.image !== undefined) await (this.docker ??= assertDocker().catch(this.forgetDocker));
    const runtime =
      fn.image === undefined ? this.opts.runtimes[fn.runtime] : { command: ['docker'] };
    const executable = runtime?.command[0];
    if (runtime === undefined || executable === undefined) {
      const known = Object.keys(this.opts.runtimes).join(', ');
      throw new InvalidRuntimeException(
        `The runtime ${fn.runtime} is not available on this Lamina installation (available: ${known}).`,
      );
    }
    const optDir = await this.optDirOf(fn);
    const credentials = this.opts.credentialsFor?.(fn.role);
    const env = new ExecutionEnvironment({
      fn,
      command: spawnCommandOf(runtime, fn.memorySize),
      runtimeDir: runtimeDirOf(runtime),
      logger: this.opts.logger,
      ...(this.opts.onLog !== undefined ? { onLog: this.opts.onLog } : {}),
      clock: this.opts.clock,
      ...(this.opts.tmpRoot !== undefined ? { tmpRoot: this.opts.tmpRoot } : {}),
      ...(this.opts.baseEnv !== undefined ? { baseEnv: this.opts.baseEnv } : {}),
      ...(this.opts.initTimeoutMs !== undefined ? { initTimeoutMs: this.opts.initTimeoutMs } : {}),
      ...(this.opts.memoryCheckIntervalMs !== undefined
        ? { memoryCheckIntervalMs: this.opts.memoryCheckIntervalMs }
        : {}),
      ...(generic !== undefined ? { generic } : {}),
      ...(provisioned ? { initializationType: 'provisioned-concurrency' as const } : {}),
      ...(optDir === undefined ? {} : { optDir }),
      ...(credentials === undefined ? {} : { credentials }),
      ...(fn.image === undefined
        ? {}
        : {
            launch: dockerLauncher({
              image: fn.image,
              functionEnvironment: fn.environment,
              memoryMb: fn.memorySize,
            }),
          }),
      // An image runs in its own container (Docker), not in the sandbox.
      ...(this.opts.placements !== undefined && fn.image === undefined
        ? { placements: this.opts.placements }
        : {}),
      runtimePaths: runtimePathsOf(runtime),
      ...(runtime.rootfs !== undefined ? { rootfs: runtime.rootfs } : {}),
      onExit: this.opts.onExit,
    });
    this.opts.adopt(env);
    try {
      const [warning] = await Promise.all([this.checkRuntime(fn.runtime, executable), env.start()]);
      if (warning !== undefined) this.opts.onLog?.(fn.name, warning, env.logStreamName);
    } catch (err) {
      await this.opts.drop(env);
      if (err instanceof LaminaError || generic !== undefined) throw err;
      throw new ResourceNotReadyException(
        `Could not start an execution environment for ${fn.name}: ${String(err)}`,
        { cause: err },
      );
    }
    this.opts.logger.debug(
      { fn: fn.name, version: fn.version, pid: env.pid },
      'environment started',
    );
    return env;
  }

  private checkRuntime(runtimeId: string, executable: string): Promise<string | undefined> {
    let check = this.versionChecks.get(runtimeId);
    if (check === undefined) {
      check = checkNodeMajor(
        runtimeId,
        executable,
        this.opts.versionProbe ?? execVersionProbe,
      ).then((warning) => {
        if (warning !== undefined)
          this.opts.logger.warn({ runtime: runtimeId, executable }, warning);
        return warning;
      });
      this.versionChecks.set(runtimeId, check);
    }
    return check;
  }
}

import { LIMITS } from '@lamina/core';
import type { ExitHow } from './function-errors.js';
import { RuntimeApiServer, type RuntimeApiEvents } from './runtime-api-server.js';
import { RuntimeProcess } from './runtime-process.js';
import type { Specialization } from './specialization-channel.js';
import {
  PlainPlacements,
  type Placements,
  type RuntimePlacement,
} from './sandbox/runtime-placement.js';
import type { WorkerLogger } from './types.js';

/** The /tmp size of a generic runtime in a sandbox: Lambda's default ephemeral storage. */
export const GENERIC_TMP_MB = LIMITS.ephemeralStorageMinMb;

/** Set in a generic runtime's environment: ask for the specialization before init. */
export const GENERIC_MARKER = 'LAMINA_GENERIC_ENVIRONMENT';

/** Where an adopted runtime's output, exit and Runtime API events go from now on. */
export interface RuntimeSinks {
  readonly events: RuntimeApiEvents;
  readonly onLine: (line: string) => void;
  readonly onGone: (how: ExitHow, spawnFailure?: string) => void;
}

export interface GenericRuntimeOptions {
  readonly runtimeId: string;
  readonly command: readonly string[];
  readonly runtimeDir: string;
  readonly tmpRoot?: string;
  /** Where the runtime runs: a sandbox (ADR 0029) or, by default, a plain process. */
  readonly placements?: Placements;
  /** Host paths the runtime needs inside a sandbox. */
  readonly runtimePaths: readonly string[];
  readonly rootfs?: string;
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly logger: WorkerLogger;
  /** Called once when the runtime is booted and parked on its specialization request. */
  readonly onReady?: (g: GenericRuntime) => void;
  /** Called once when the runtime process is gone before being adopted. */
  readonly onGone?: (g: GenericRuntime) => void;
}

/**
 * A started runtime without a function (ADR 0019): its own private /tmp, its Runtime API server
 * (serving only Lamina's specialization request until specialised) and the runtime process,
 * started with no function variables at all. An `ExecutionEnvironment` adopts it for a cold call;
 * `specialize` then answers the parked request and resolves once the runtime confirmed it applied
 * the function's environment, or rejects if the runtime is gone first. Before adoption its output
 * goes to the platform log at debug level.
 */
export class GenericRuntime {
  readonly runtimeId: string;
  readonly server: RuntimeApiServer;
  /** `127.0.0.1:<port>`; set by start(). */
  runtimeApi = '';
  placement: RuntimePlacement | undefined;
  process: RuntimeProcess | undefined;
  private readonly opts: GenericRuntimeOptions;
  private sinks: RuntimeSinks | undefined;
  private ready = false;
  private exited = false;
  private applied: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: GenericRuntimeOptions) {
    this.opts = options;
    this.runtimeId = options.runtimeId;
    const events: RuntimeApiEvents = {
      onInitDone: () => this.sinks?.events.onInitDone(),
      onInitError: (type, body) => this.sinks?.events.onInitError(type, body),
    };
    this.server = new RuntimeApiServer({
      events,
      specialization: {
        onWaiting: () => {
          this.ready = true;
          this.opts.onReady?.(this);
        },
        onApplied: () => {
          this.applied?.resolve();
        },
      },
    });
  }

  /** Booted and parked on its specialization request (a claim then costs one round trip). */
  get isReady(): boolean {
    return this.ready;
  }

  get alive(): boolean {
    return !this.exited && this.stopping === undefined;
  }

  /** The generic environment the runtime was started with (nothing of any function). */
  get environment(): Record<string, string> {
    return {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      ...this.opts.baseEnv,
      TMPDIR: this.placement?.tmpDir ?? '',
      AWS_LAMBDA_RUNTIME_API: this.runtimeApi,
      LAMBDA_RUNTIME_DIR: this.opts.runtimeDir,
      TZ: 'UTC',
      [GENERIC_MARKER]: '1',
    };
  }

  async start(): Promise<void> {
    const { rootfs } = this.opts;
    const placements = this.opts.placements ?? new PlainPlacements(this.opts.tmpRoot);
    // Claimed only by functions of the smallest (default) ephemeral storage: /tmp's size is fixed.
    const placement = (this.placement = await placements.place({
      command: this.opts.command,
      runtimePaths: this.opts.runtimePaths,
      tmpSizeMb: GENERIC_TMP_MB,
      ...(rootfs === undefined ? {} : { rootfs }),
    }));
    this.runtimeApi = await this.server.listen();
    this.process = new RuntimeProcess({
      command: placement.command,
      cwd: placement.cwd,
      sandboxed: placement.sandboxed,
      ...(placement.niceness === undefined ? {} : { niceness: placement.niceness }),
      env: this.environment,
      onLine: (line) => {
        if (this.sinks !== undefined) this.sinks.onLine(line);
        else this.opts.logger.debug({ runtime: this.runtimeId, line }, 'generic runtime output');
      },
      onGone: (how, spawnFailure) => {
        this.exited = true;
        this.applied?.reject(new Error(`the generic runtime exited (${JSON.stringify(how)})`));
        if (this.sinks !== undefined) this.sinks.onGone(how, spawnFailure);
        else this.opts.onGone?.(this);
      },
    });
  }

  /** Hands output, exit and Runtime API events to the environment taking this runtime over. */
  adopt(sinks: RuntimeSinks): void {
    this.sinks = sinks;
  }

  /** Answers the specialization; resolves when the runtime confirmed it applied it. */
  specialize(spec: Specialization): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.exited || this.server.specialization?.specialize(spec) !== true) {
        reject(new Error('the generic runtime is not waiting for a specialization'));
        return;
      }
      this.applied = { resolve, reject };
    });
  }

  /** Stops a runtime nobody adopted: kill, close the server, remove /tmp. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.process?.stop();
      await this.server.close();
      await this.placement?.release();
    })();
    return this.stopping;
  }

  /** Synchronous last resort on process exit. */
  killNow(): void {
    this.process?.kill();
    this.placement?.releaseNow();
  }
}

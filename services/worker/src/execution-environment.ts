import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  LIMITS,
  type PlatformLog,
  type PlatformStatus,
  platformLog,
  ServiceException,
  type FunctionVersionConfig,
  type Invocation,
  type InvocationResult,
} from '@lamina/core';
import { EnvironmentLostError } from './environment-lost-error.js';
import { errorTypeOf, type ExitHow } from './function-errors.js';
import { FunctionLog } from './function-log.js';
import { initFailureError, type InitState } from './init-state.js';
import { describeEnding, type Ending, platformStatusOf } from './invocation-ending.js';
import type { GenericRuntime } from './generic-runtime.js';
import { RuntimeApiServer, type RuntimeApiEvents } from './runtime-api-server.js';
import { logStreamName, newTraceId, runtimeEnv } from './runtime-env.js';
import type { RoleCredentials } from './role-credentials.js';
import { type RuntimeHandle, type RuntimeLauncher, RuntimeProcess } from './runtime-process.js';
import {
  PlainPlacements,
  type Placements,
  type RuntimePlacement,
} from './sandbox/runtime-placement.js';
import { systemClock, type Clock, type LogSink, type WorkerLogger } from './types.js';

/** What an invocation's END and REPORT lines say. */
interface Closing {
  readonly requestId: string;
  readonly durationMs: number;
  readonly status: PlatformStatus;
  readonly logLines: readonly string[];
  readonly errorType: string | undefined;
  readonly initDurationMs: number | undefined;
}

export interface ExecutionEnvironmentOptions {
  readonly fn: FunctionVersionConfig;
  /** The runtime process: executable and arguments. */
  readonly command: readonly string[];
  /** LAMBDA_RUNTIME_DIR; default the directory of the command's second word. */
  readonly runtimeDir?: string;
  readonly logger: WorkerLogger;
  readonly onLog?: LogSink;
  readonly clock?: Clock;
  /** Where the environment's private /tmp (TMPDIR) is made; defaults to the OS temp dir. */
  readonly tmpRoot?: string;
  /** Host variables passed to the runtime (PATH, LANG, credentials …). */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** Init phase limit; default 10 s like Lambda. */
  readonly initTimeoutMs?: number;
  /** How often the runtime's RSS is checked against the memory size during an invocation. */
  readonly memoryCheckIntervalMs?: number;
  /** Called once when the runtime process is gone, for whatever reason. */
  readonly onExit?: (env: ExecutionEnvironment) => void;
  /** A started generic runtime to specialise instead of spawning one (ADR 0019). */
  readonly generic?: GenericRuntime;
  /** `provisioned-concurrency` for environments kept initialised ahead of calls. */
  readonly initializationType?: 'on-demand' | 'provisioned-concurrency';
  /** The folder playing `/opt` (the function's layers, merged); absent: no layers. */
  readonly optDir?: string;
  /** The execution role's credentials; absent: the platform's or fake ones (runtime-env.ts). */
  readonly credentials?: RoleCredentials;
  /** Starts the runtime instead of spawning `command`, and its Runtime API port (ADR 0028). */
  readonly launch?: RuntimeLauncher;
  readonly runtimeApiPort?: number;
  /** Where the runtime runs: a sandbox (ADR 0029) or, by default, a plain process. */
  readonly placements?: Placements;
  /** Host paths the runtime needs inside a sandbox; default the command's absolute paths. */
  readonly runtimePaths?: readonly string[];
  /** The runtime's own root filesystem inside a sandbox; absent: the host's. */
  readonly rootfs?: string;
}

/**
 * One execution environment: a runtime process plus its own Runtime API server. It takes one
 * invocation at a time, enforces timeout and memory, and writes START / END / REPORT. After a
 * timeout, a crash or a failed init it is no longer `reusable` and must be stopped.
 */
export class ExecutionEnvironment {
  readonly fn: FunctionVersionConfig;
  readonly logStreamName: string;
  private readonly opts: ExecutionEnvironmentOptions;
  private readonly clock: Clock;
  private readonly server: RuntimeApiServer;
  private readonly events: RuntimeApiEvents;
  private initStart = 0; // performance.now() when init began: spawn or specialization
  private readonly initTimeoutMs: number;
  private state: 'new' | 'idle' | 'busy' | 'dead' = 'new';
  private runtime: RuntimeHandle | undefined;
  private placement: RuntimePlacement | undefined;
  private initDurationMs: number | undefined;
  private init: InitState | undefined;
  private readonly initPromise: Promise<InitState>;
  private resolveInit: ((s: InitState) => void) | undefined;
  private initTimer: NodeJS.Timeout | undefined;
  private used = false;
  private onGone: ((how: ExitHow) => void) | undefined;
  private readonly log: FunctionLog;
  /** START/END/REPORT in the function's log format and system level (core's platform-log.ts). */
  private readonly lines: PlatformLog;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** The last invocation's END and REPORT while they wait for its answer to be written. */
  private owedClosing: Closing | undefined;
  /** From an invocation's settle until the turn its answer leaves in is over. */
  private answerTurn = false;

  constructor(options: ExecutionEnvironmentOptions) {
    this.opts = options;
    this.fn = options.fn;
    this.clock = options.clock ?? systemClock;
    this.initTimeoutMs = options.initTimeoutMs ?? LIMITS.initTimeoutSeconds * 1000;
    this.logStreamName = logStreamName(this.fn.version, this.clock.now());
    this.log = new FunctionLog(this.fn.name, this.logStreamName, options.onLog);
    this.lines = platformLog(this.fn.logging, () => new Date(this.clock.now()));
    this.initPromise = new Promise((resolve) => (this.resolveInit = resolve));
    this.events = {
      onInitDone: () => {
        this.runtime?.memory();
        this.settleInit({ kind: 'ok' });
      },
      onInitError: (type, payload) => {
        this.settleInit({ kind: 'error', errorType: errorTypeOf(type, payload), payload });
      },
    };
    this.server = options.generic?.server ?? new RuntimeApiServer({ events: this.events });
  }

  /** True when idle and healthy: it may take the next invocation. */
  get reusable(): boolean {
    return this.state === 'idle';
  }

  /** Process id of the runtime (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.runtime?.pid;
  }

  /**
   * Creates /tmp, opens the Runtime API and spawns the runtime, or specialises the generic runtime
   * it was given (rejects if it is gone first); init goes on in the background.
   */
  start(): Promise<void> {
    if (this.starting !== undefined) throw new Error('ExecutionEnvironment.start() called twice');
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const { fn, command, generic } = this.opts;
    const [onLine, onGone] = [this.log.line.bind(this.log), this.gone.bind(this)];
    const placement = (this.placement = generic?.placement ?? (await this.place()));
    const env = runtimeEnv({
      fn,
      runtimeApi: generic?.runtimeApi ?? (await this.server.listen(this.opts.runtimeApiPort)),
      logStreamName: this.logStreamName,
      tmpDir: placement.tmpDir,
      taskRoot: placement.taskRootFor(fn.codeDir),
      baseEnv: this.opts.baseEnv ?? {},
      runtimeDir: this.opts.runtimeDir ?? path.dirname(command[1] ?? command[0] ?? ''),
      ...(this.opts.initializationType !== undefined
        ? { initializationType: this.opts.initializationType }
        : {}),
      ...(placement.optDir !== undefined ? { optDir: placement.optDir } : {}),
      ...(this.opts.credentials !== undefined ? { credentials: this.opts.credentials } : {}),
    });
    const { sandboxed, cwd, niceness } = placement;
    const launch = this.opts.launch ?? ((o) => new RuntimeProcess(o));
    this.runtime =
      generic?.process ??
      launch({
        command: placement.command,
        cwd,
        env,
        onLine,
        onGone,
        sandboxed,
        ...(niceness === undefined ? {} : { niceness }),
      });
    this.initStart = generic === undefined ? this.runtime.spawnedAt : performance.now();
    this.initTimer = setTimeout(() => {
      this.opts.logger.warn({ fn: fn.name, pid: this.pid }, 'init timed out; killing the runtime');
      this.runtime?.kill();
      this.settleInit({ kind: 'timeout' });
    }, this.initTimeoutMs);
    this.initTimer.unref();
    if (generic !== undefined) {
      generic.adopt({ events: this.events, onLine, onGone });
      await placement.provideTask(fn.codeDir);
      const taskRoot = placement.taskRootFor(fn.codeDir);
      await generic.specialize({ environment: env, taskRoot, handler: fn.handler });
    }
    if (this.state === 'new') this.state = 'idle';
  }

  /**
   * Waits for the init phase to end (init at start, issue #15). When it succeeded before any
   * invocation, the environment was initialised ahead of use, as Lambda's provisioned ones are:
   * its first invocation is not a cold start and reports no `Init Duration`.
   */
  async awaitInit(): Promise<InitState> {
    const init = await this.initPromise;
    if (init.kind === 'ok') this.used = true;
    return init;
  }

  /** Runs one invocation. A function error is a result; only misuse throws. */
  async invoke(inv: Invocation): Promise<InvocationResult> {
    if (this.state !== 'idle') {
      throw new ServiceException(`The execution environment is ${this.state}.`);
    }
    this.writeOwedClosing();
    this.state = 'busy';
    const cold = !this.used;
    this.used = true;
    this.log.begin(inv.tailLog);
    const waitStart = performance.now();
    const init = this.init ?? (await this.initPromise);
    if (init.kind !== 'ok') {
      this.log.platform(this.lines.start(inv.requestId, this.fn.version));
      const error = initFailureError(init, inv.requestId, {
        executable: this.opts.command[0] ?? '',
        initTimeoutMs: this.initTimeoutMs,
        now: new Date(this.clock.now()),
      });
      return this.finish(inv, cold, { kind: 'platform', error }, performance.now() - waitStart);
    }
    const [ending, durationMs] = await this.run(inv);
    if (ending === 'lost') {
      this.state = 'dead';
      this.log.end();
      throw new EnvironmentLostError(this.fn.name);
    }
    return this.finish(inv, cold, ending, durationMs);
  }

  /** Kills the runtime, closes the Runtime API, removes /tmp. Idempotent. */
  stop(): Promise<void> {
    this.writeOwedClosing();
    this.stopping ??= (async () => {
      // A start in progress finishes first, so everything it made is torn down below.
      await this.starting?.catch(() => undefined);
      this.state = 'dead';
      clearTimeout(this.initTimer);
      await this.runtime?.stop();
      await this.server.close();
      await this.placement?.release();
    })();
    return this.stopping;
  }

  /** Synchronous last resort on process exit: kill the runtime, remove /tmp. */
  killNow(): void {
    this.writeOwedClosing();
    this.runtime?.kill();
    this.placement?.releaseNow();
  }

  /** A fresh runtime's place: its code, layers and /tmp, in a sandbox or on the host. */
  private place(): Promise<RuntimePlacement> {
    const { fn, command, optDir, rootfs } = this.opts;
    const placements = this.opts.placements ?? new PlainPlacements(this.opts.tmpRoot);
    return placements.place({
      command,
      runtimePaths: this.opts.runtimePaths ?? command.filter((w) => path.isAbsolute(w)),
      codeDir: fn.codeDir,
      tmpSizeMb: fn.ephemeralStorage,
      ...(optDir === undefined ? {} : { optDir }),
      ...(rootfs === undefined ? {} : { rootfs }),
    });
  }

  /** Runs the invocation on the runtime; `lost` when the runtime died before fetching it. */
  private run(inv: Invocation): Promise<[Ending | 'lost', number]> {
    return new Promise((resolve) => {
      const start = performance.now();
      const now = this.clock.now();
      const deadlineMs = inv.deadlineMs ?? now + this.fn.timeout * 1000;
      // Settled (read again after dispatch, which may settle at once), and the timers armed.
      let done = false as boolean;
      const armed: { timer?: NodeJS.Timeout; watch?: NodeJS.Timeout } = {};
      const settle = (ending: Ending | 'lost'): void => {
        if (done) return;
        done = true;
        const durationMs = performance.now() - start;
        clearTimeout(armed.timer);
        clearInterval(armed.watch);
        this.onGone = undefined;
        this.server.cancel();
        // Output the runtime wrote before answering is read in this same poll phase: let it
        // reach the log before END.
        this.answerTurn = true;
        setImmediate(() => {
          resolve([ending, durationMs]);
        });
        // Queued behind the resolve, so it runs after that immediate's microtasks — the pool's
        // and the caller's continuations, which write the answer — and before any new I/O:
        // END and REPORT (and REPORT's /proc read) follow the answer (ADR 0056).
        setImmediate(() => {
          this.answerTurn = false;
          this.writeOwedClosing();
        });
      };
      if (this.runtime?.exit !== undefined) {
        settle('lost');
        return;
      }
      this.onGone = (how) => {
        settle(this.server.waitingForRuntime ? 'lost' : { kind: 'exit', how });
      };
      const onSent = (): void => {
        this.log.platform(this.lines.start(inv.requestId, this.fn.version));
      };
      this.server.dispatch(inv, deadlineMs, inv.traceId ?? newTraceId(now), onSent, settle);
      // Armed once the event is on its way: the runtime works on it meanwhile.
      if (done) return;
      armed.timer = setTimeout(
        () => {
          this.runtime?.kill();
          settle({ kind: 'timeout' });
        },
        Math.max(0, deadlineMs - now),
      );
      armed.watch = setInterval(() => {
        this.checkMemory();
      }, this.opts.memoryCheckIntervalMs ?? 100);
    });
  }

  private finish(
    inv: Invocation,
    cold: boolean,
    ending: Ending,
    durationMs: number,
  ): InvocationResult {
    const summary = describeEnding(ending, this.fn, inv.requestId, this.clock.now());
    const initDurationMs = cold ? (this.initDurationMs ?? durationMs) : undefined;
    const status = platformStatusOf(ending, summary.errorType);
    const closing: Closing = {
      requestId: inv.requestId,
      durationMs,
      status,
      logLines: summary.logLines,
      errorType: summary.errorType,
      initDurationMs,
    };
    // A log tail carries END and REPORT, so they are written before the answer; otherwise they
    // follow it in the turn the answer leaves in (run's settle), or before this environment
    // takes another call, whichever comes first.
    let maxMemoryUsedMb: number | undefined;
    if (inv.tailLog || !this.answerTurn) maxMemoryUsedMb = this.writeClosing(closing);
    else this.owedClosing = closing;
    const log = this.log.end();
    this.state = summary.broken || this.runtime?.exit !== undefined ? 'dead' : 'idle';
    const { errorType, contentType } = summary;
    return {
      payload: summary.payload,
      executedVersion: this.fn.version,
      coldStart: cold,
      durationMs,
      ...(maxMemoryUsedMb !== undefined ? { maxMemoryUsedMb } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      ...(errorType !== undefined ? { functionError: 'Unhandled' as const, errorType } : {}),
      ...(log !== undefined ? { log } : {}),
      ...(initDurationMs !== undefined ? { initDurationMs } : {}),
      ...(this.opts.initializationType === 'provisioned-concurrency' ? { provisioned: true } : {}),
    };
  }

  /**
   * An invocation's closing lines — the ending's own lines, END, REPORT with the runtime's peak
   * memory read now (Lambda's "Max Memory Used": the environment's peak so far) — and that peak.
   */
  private writeClosing(c: Closing): number {
    for (const l of c.logLines) this.log.line(l);
    const maxMemoryUsedMb = (this.runtime?.memory()?.hwmKb ?? 0) / 1024;
    this.log.platform(this.lines.end(c.requestId, c.status));
    this.log.platform(
      this.lines.report({
        requestId: c.requestId,
        durationMs: c.durationMs,
        memorySizeMb: this.fn.memorySize,
        maxMemoryUsedMb,
        status: c.status,
        ...(c.errorType === undefined ? {} : { errorType: c.errorType }),
        ...(c.initDurationMs !== undefined ? { initDurationMs: c.initDurationMs } : {}),
      }),
    );
    return maxMemoryUsedMb;
  }

  /** Writes the last invocation's closing lines if they are still owed. */
  private writeOwedClosing(): void {
    const owed = this.owedClosing;
    if (owed === undefined) return;
    this.owedClosing = undefined;
    this.writeClosing(owed);
  }

  private settleInit(state: InitState): void {
    if (this.init !== undefined) return;
    this.init = state;
    if (state.kind === 'ok') this.initDurationMs = performance.now() - this.initStart;
    clearTimeout(this.initTimer);
    this.resolveInit?.(state);
  }

  private gone(how: ExitHow, spawnFailure: string | undefined): void {
    if (spawnFailure === undefined) this.settleInit({ kind: 'exit', how });
    else if (existsSync(this.fn.codeDir)) this.settleInit({ kind: 'spawn', reason: spawnFailure });
    else this.settleInit({ kind: 'spawn', reason: spawnFailure, workingDir: this.fn.codeDir });
    if (this.state === 'idle') this.state = 'dead';
    this.onGone?.(how);
    this.opts.onExit?.(this);
  }

  private checkMemory(): void {
    const rssKb = this.runtime?.killAboveMemory(this.fn.memorySize);
    if (rssKb === undefined) return;
    const info = { fn: this.fn.name, rssKb, memorySize: this.fn.memorySize };
    this.opts.logger.warn(info, 'runtime exceeded its memory size; killed it');
  }
}

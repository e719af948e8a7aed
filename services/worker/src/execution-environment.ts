import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  endLine,
  LIMITS,
  reportLine,
  ServiceException,
  startLine,
  type FunctionVersionConfig,
  type Invocation,
  type InvocationResult,
} from '@lamina/core';
import { EnvironmentLostError } from './environment-lost-error.js';
import {
  entrypointError,
  errorTypeOf,
  exitError,
  timeoutError,
  type ExitHow,
  type PlatformError,
} from './function-errors.js';
import { describeEnding, type Ending } from './invocation-ending.js';
import { LineSplitter } from './line-splitter.js';
import { ProcStatus } from './proc-status.js';
import { RuntimeApiServer } from './runtime-api-server.js';
import { logStreamName, newTraceId, runtimeEnv } from './runtime-env.js';
import { systemClock, type Clock, type LogSink, type WorkerLogger } from './types.js';

export interface ExecutionEnvironmentOptions {
  readonly fn: FunctionVersionConfig;
  /** The runtime process: executable and arguments. */
  readonly command: readonly string[];
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
}

type InitState =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error'; readonly errorType: string; readonly payload: Buffer }
  | { readonly kind: 'exit'; readonly how: ExitHow }
  | { readonly kind: 'spawn'; readonly reason: string }
  | { readonly kind: 'timeout' };

const MAX_COLLECTED_LINES = 2000;

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
  private state: 'new' | 'idle' | 'busy' | 'dead' = 'new';
  private child: ChildProcess | undefined;
  private proc: ProcStatus | undefined;
  private tmpDir: string | undefined;
  private spawnedAt = 0;
  private initDurationMs: number | undefined;
  private init: InitState | undefined;
  private readonly initPromise: Promise<InitState>;
  private resolveInit: ((s: InitState) => void) | undefined;
  private initTimer: NodeJS.Timeout | undefined;
  private used = false;
  private exited: ExitHow | undefined;
  private onGone: ((how: ExitHow) => void) | undefined;
  private collector: string[] | undefined;
  private initLines: string[] | undefined = [];
  private stopping: Promise<void> | undefined;

  constructor(options: ExecutionEnvironmentOptions) {
    this.opts = options;
    this.fn = options.fn;
    this.clock = options.clock ?? systemClock;
    this.logStreamName = logStreamName(this.fn.version, this.clock.now());
    this.initPromise = new Promise((resolve) => (this.resolveInit = resolve));
    this.server = new RuntimeApiServer({
      events: {
        onInitDone: () => {
          this.proc?.read();
          this.settleInit({ kind: 'ok' });
        },
        onInitError: (type, payload) => {
          this.settleInit({ kind: 'error', errorType: errorTypeOf(type, payload), payload });
        },
      },
    });
  }

  /** True when idle and healthy: it may take the next invocation. */
  get reusable(): boolean {
    return this.state === 'idle';
  }

  /** Process id of the runtime (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Creates /tmp, opens the Runtime API and spawns the runtime; init goes on in the background. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('ExecutionEnvironment.start() called twice');
    const { fn, command } = this.opts;
    this.tmpDir = await mkdtemp(path.join(this.opts.tmpRoot ?? tmpdir(), 'lamina-env-'));
    const runtimeApi = await this.server.listen();
    const [cmd = '', ...args] = command;
    const env = runtimeEnv({
      fn,
      runtimeApi,
      logStreamName: this.logStreamName,
      tmpDir: this.tmpDir,
      baseEnv: this.opts.baseEnv ?? {},
      runtimeDir: path.dirname(args[0] ?? cmd),
    });
    this.spawnedAt = performance.now();
    const child = spawn(cmd, args, { cwd: fn.codeDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        const reason = err.code === 'ENOENT' ? 'no such file or directory' : err.message;
        this.gone({}, reason);
      }
    });
    child.once('exit', (code, signal) => {
      this.gone({ ...(code !== null ? { code } : {}), ...(signal !== null ? { signal } : {}) });
    });
    for (const stream of [child.stdout, child.stderr]) {
      const lines = new LineSplitter((l) => {
        this.line(l);
      });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        lines.push(chunk);
      });
      stream.on('end', () => {
        lines.flush();
      });
    }
    if (child.pid !== undefined) this.proc = new ProcStatus(child.pid);
    this.initTimer = setTimeout(
      () => {
        this.opts.logger.warn({ fn: fn.name, pid: child.pid }, 'init timed out; killing runtime');
        this.kill();
        this.settleInit({ kind: 'timeout' });
      },
      this.opts.initTimeoutMs ?? LIMITS.initTimeoutSeconds * 1000,
    );
    this.initTimer.unref();
    this.state = 'idle';
  }

  /** Runs one invocation. A function error is a result; only misuse throws. */
  async invoke(inv: Invocation): Promise<InvocationResult> {
    if (this.state !== 'idle') {
      throw new ServiceException(`The execution environment is ${this.state}.`);
    }
    this.state = 'busy';
    const cold = !this.used;
    this.used = true;
    this.collector = inv.tailLog ? (this.initLines ?? []) : undefined;
    this.initLines = undefined;
    const waitStart = performance.now();
    const init = this.init ?? (await this.initPromise);
    if (init.kind !== 'ok') {
      this.platformLine(startLine(inv.requestId, this.fn.version));
      const error = this.initFailure(init, inv);
      return this.finish(inv, cold, { kind: 'platform', error }, performance.now() - waitStart);
    }
    const [ending, durationMs] = await this.run(inv);
    if (ending === 'lost') {
      this.state = 'dead';
      this.collector = undefined;
      throw new EnvironmentLostError(this.fn.name);
    }
    return this.finish(inv, cold, ending, durationMs);
  }

  /** Kills the runtime, closes the Runtime API, removes /tmp. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** Synchronous last resort on process exit: kill the runtime, remove /tmp. */
  killNow(): void {
    this.kill();
    if (this.tmpDir !== undefined) rmSync(this.tmpDir, { recursive: true, force: true });
  }

  /** Runs the invocation on the runtime; `lost` when the runtime died before fetching it. */
  private run(inv: Invocation): Promise<[Ending | 'lost', number]> {
    return new Promise((resolve) => {
      const start = performance.now();
      const now = this.clock.now();
      const deadlineMs = inv.deadlineMs ?? now + this.fn.timeout * 1000;
      let done = false;
      const settle = (ending: Ending | 'lost'): void => {
        if (done) return;
        done = true;
        const durationMs = performance.now() - start;
        clearTimeout(timer);
        clearInterval(watch);
        this.onGone = undefined;
        this.server.cancel();
        // Output the runtime wrote before answering is read in this same poll phase: let it
        // reach the log before END.
        setImmediate(() => {
          resolve([ending, durationMs]);
        });
      };
      const timer = setTimeout(
        () => {
          this.kill();
          settle({ kind: 'timeout' });
        },
        Math.max(0, deadlineMs - now),
      );
      const watch = setInterval(() => {
        this.checkMemory();
      }, this.opts.memoryCheckIntervalMs ?? 100);
      if (this.exited !== undefined) {
        settle('lost');
        return;
      }
      this.onGone = (how) => {
        settle(this.server.waitingForRuntime ? 'lost' : { kind: 'exit', how });
      };
      const onSent = (): void => {
        this.platformLine(startLine(inv.requestId, this.fn.version));
      };
      this.server.dispatch(inv, deadlineMs, inv.traceId ?? newTraceId(now), onSent, settle);
    });
  }

  private finish(
    inv: Invocation,
    cold: boolean,
    ending: Ending,
    durationMs: number,
  ): InvocationResult {
    const now = new Date(this.clock.now());
    const summary = describeEnding(ending, this.fn, inv.requestId, now);
    for (const l of summary.logLines) this.line(l);
    const maxMemoryUsedMb = (this.proc?.read()?.hwmKb ?? 0) / 1024;
    const initDurationMs = cold ? (this.initDurationMs ?? durationMs) : undefined;
    this.platformLine(endLine(inv.requestId));
    this.platformLine(
      reportLine({
        requestId: inv.requestId,
        durationMs,
        memorySizeMb: this.fn.memorySize,
        maxMemoryUsedMb,
        ...(initDurationMs !== undefined ? { initDurationMs } : {}),
      }),
    );
    const log = this.collector === undefined ? undefined : `${this.collector.join('\n')}\n`;
    this.collector = undefined;
    this.state = summary.broken || this.exited !== undefined ? 'dead' : 'idle';
    const { errorType, contentType } = summary;
    return {
      payload: summary.payload,
      executedVersion: this.fn.version,
      coldStart: cold,
      durationMs,
      maxMemoryUsedMb,
      ...(contentType !== undefined ? { contentType } : {}),
      ...(errorType !== undefined ? { functionError: 'Unhandled' as const, errorType } : {}),
      ...(log !== undefined ? { log } : {}),
      ...(initDurationMs !== undefined ? { initDurationMs } : {}),
    };
  }

  private initFailure(init: Exclude<InitState, { kind: 'ok' }>, inv: Invocation): PlatformError {
    switch (init.kind) {
      case 'error':
        return { payload: init.payload, errorType: init.errorType, logLines: [] };
      case 'exit':
        return exitError(inv.requestId, init.how);
      case 'spawn':
        return entrypointError(inv.requestId, this.opts.command[0] ?? '', init.reason);
      case 'timeout': {
        const seconds = (this.opts.initTimeoutMs ?? LIMITS.initTimeoutSeconds * 1000) / 1000;
        return timeoutError(inv.requestId, seconds, new Date(this.clock.now()));
      }
    }
  }

  private settleInit(state: InitState): void {
    if (this.init !== undefined) return;
    this.init = state;
    if (state.kind === 'ok') this.initDurationMs = performance.now() - this.spawnedAt;
    clearTimeout(this.initTimer);
    this.resolveInit?.(state);
  }

  private gone(how: ExitHow, spawnFailure?: string): void {
    if (this.exited !== undefined) return;
    this.exited = how;
    this.settleInit(
      spawnFailure !== undefined ? { kind: 'spawn', reason: spawnFailure } : { kind: 'exit', how },
    );
    if (this.state === 'idle') this.state = 'dead';
    this.onGone?.(how);
    this.opts.onExit?.(this);
  }

  private checkMemory(): void {
    const usage = this.proc?.read();
    if (usage !== undefined && usage.rssKb > this.fn.memorySize * 1024) {
      this.opts.logger.warn(
        { fn: this.fn.name, rssKb: usage.rssKb, memorySize: this.fn.memorySize },
        'runtime exceeded its memory size; killing it',
      );
      this.kill();
    }
  }

  private kill(): void {
    if (this.exited === undefined && this.child?.pid !== undefined) this.child.kill('SIGKILL');
  }

  private platformLine(text: string): void {
    this.line(text.endsWith('\n') ? text.slice(0, -1) : text);
  }

  private line(l: string): void {
    this.opts.onLog?.(this.fn.name, l, this.logStreamName);
    const sink = this.collector ?? this.initLines;
    if (sink === undefined) return;
    sink.push(l);
    if (sink.length > MAX_COLLECTED_LINES) sink.splice(0, sink.length - MAX_COLLECTED_LINES / 2);
  }

  private async doStop(): Promise<void> {
    this.state = 'dead';
    clearTimeout(this.initTimer);
    const child = this.child;
    if (child !== undefined && this.exited === undefined && child.pid !== undefined) {
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
        setTimeout(resolve, 2000).unref();
      });
      child.kill('SIGKILL');
      await exited;
    }
    await this.server.close();
    this.proc?.close();
    if (this.tmpDir !== undefined) await rm(this.tmpDir, { recursive: true, force: true });
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { ExitHow } from './function-errors.js';
import { LineSplitter } from './line-splitter.js';
import { ProcStatus, type MemoryUsage } from './proc-status.js';

export interface RuntimeProcessOptions {
  /** Executable and arguments. */
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Each line the runtime writes to stdout or stderr. */
  readonly onLine: (line: string) => void;
  /** Once, when the process is gone; `spawnFailure` when it never started (e.g. ENOENT). */
  readonly onGone: (how: ExitHow, spawnFailure?: string) => void;
}

/**
 * What an execution environment needs of its runtime, however it runs: a child process here, a
 * container started through Docker (`docker-runtime.ts`), or a container of the same pod that
 * the agent does not start (`external-runtime.ts`, ADR 0028).
 */
export type RuntimeHandle = Pick<
  RuntimeProcess,
  'spawnedAt' | 'pid' | 'exit' | 'memory' | 'killAboveMemory' | 'kill' | 'stop'
>;

/** Starts a runtime; an environment's default is a RuntimeProcess. */
export type RuntimeLauncher = (options: RuntimeProcessOptions) => RuntimeHandle;

/** The runtime's child process: its output as lines, its memory, its end. */
export class RuntimeProcess {
  /** performance.now() at spawn, the start of the init phase. */
  readonly spawnedAt: number;
  private readonly child: ChildProcess;
  private readonly status: ProcStatus | undefined;
  private exited: ExitHow | undefined;
  private readonly exitedPromise: Promise<void>;

  constructor(options: RuntimeProcessOptions) {
    const [cmd = '', ...args] = options.command;
    this.spawnedAt = performance.now();
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let resolveExited: () => void = () => undefined;
    this.exitedPromise = new Promise((resolve) => (resolveExited = resolve));
    const gone = (how: ExitHow, spawnFailure?: string): void => {
      if (this.exited !== undefined) return;
      this.exited = how;
      resolveExited();
      options.onGone(how, spawnFailure);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      // Only a failed spawn ends the process; other 'error's (a failed kill) do not.
      if (child.pid === undefined) {
        gone({}, err.code === 'ENOENT' ? 'no such file or directory' : err.message);
      }
    });
    child.once('exit', (code, signal) => {
      gone({ ...(code !== null ? { code } : {}), ...(signal !== null ? { signal } : {}) });
    });
    for (const stream of [child.stdout, child.stderr]) {
      const lines = new LineSplitter(options.onLine);
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        lines.push(chunk);
      });
      stream.on('end', () => {
        lines.flush();
      });
    }
    this.status = child.pid === undefined ? undefined : new ProcStatus(child.pid);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How the process ended, once it has. */
  get exit(): ExitHow | undefined {
    return this.exited;
  }

  /** Current and peak RSS, read from /proc (the last sample once the process is gone). */
  memory(): MemoryUsage | undefined {
    return this.status?.read();
  }

  /** Kills the process when its RSS is above `memorySizeMb`; returns that RSS (kB) if it did. */
  killAboveMemory(memorySizeMb: number): number | undefined {
    const usage = this.memory();
    if (usage === undefined || usage.rssKb <= memorySizeMb * 1024) return undefined;
    this.kill();
    return usage.rssKb;
  }

  /** SIGKILL, as Lambda does on timeout and out-of-memory. */
  kill(): void {
    if (this.exited === undefined && this.child.pid !== undefined) this.child.kill('SIGKILL');
  }

  /** Kills the process and waits (at most 2 s) until it is gone. */
  async stop(): Promise<void> {
    if (this.exited === undefined && this.child.pid !== undefined) {
      this.kill();
      await Promise.race([
        this.exitedPromise,
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
    }
    this.status?.close();
  }
}

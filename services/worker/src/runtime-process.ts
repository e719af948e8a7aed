import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants, setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
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
  /**
   * The command is bubblewrap (sandbox/bwrap-args.ts): it reports its child's pid on fd 3, the
   * runtime is that child's child (memory is read there), and an exit status above 128 is the
   * runtime's death by signal 128 − status, as bwrap passes it on.
   */
  readonly sandboxed?: boolean;
  /**
   * The nice value to run at (a worker pod's runtime, runtime-placement.ts), set as soon as the
   * process exists: before the runtime's code runs, so whatever it starts inherits it.
   */
  readonly niceness?: number;
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
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** The runtime's child process: its output as lines, its memory, its end. */
export class RuntimeProcess {
  /** performance.now() at spawn, the start of the init phase. */
  readonly spawnedAt: number;
  private readonly child: ChildProcess;
  private status: ProcStatus | undefined;
  private exited: ExitHow | undefined;
  private readonly exitedPromise: Promise<void>;

  constructor(options: RuntimeProcessOptions) {
    const [cmd = '', ...args] = options.command;
    this.spawnedAt = performance.now();
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env,
      // A process group of its own: Ctrl-C in `lamina dev`'s terminal signals the whole
      // foreground group, and an environment must stop when the platform stops it, in order,
      // not die under a call. If the platform itself dies, a sandboxed runtime ends with it
      // (bwrap's --die-with-parent), and so does lamina dev's unsandboxed one (started through
      // `setpriv --pdeathsig KILL`, runtime-placement.ts); a pod's runtime ends with its pod.
      detached: true,
      stdio:
        options.sandboxed === true
          ? ['ignore', 'pipe', 'pipe', 'pipe']
          : ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    if (options.niceness !== undefined && child.pid !== undefined) {
      try {
        setPriority(child.pid, options.niceness);
      } catch {
        // Gone already (its exit is reported below); lowering one's own child is never refused.
      }
    }
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
      const bySignal =
        options.sandboxed === true && code !== null && code > 128
          ? SIGNAL_NAMES.get(code - 128)
          : undefined;
      if (bySignal !== undefined) gone({ signal: bySignal });
      else gone({ ...(code !== null ? { code } : {}), ...(signal !== null ? { signal } : {}) });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      const lines = new LineSplitter(options.onLine);
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        lines.push(chunk);
      });
      stream.on('end', () => {
        lines.flush();
      });
    }
    if (child.pid === undefined) return;
    const info = child.stdio[3] as Readable | null | undefined;
    if (options.sandboxed === true && info !== undefined && info !== null) this.watchSandbox(info);
    else this.status = new ProcStatus(child.pid);
  }

  /** Finds the runtime inside the sandbox: bwrap's child (the namespace's init) has it as child. */
  private watchSandbox(info: Readable): void {
    let text = '';
    info.setEncoding('utf8');
    info.on('data', (chunk: string) => (text += chunk));
    info.on('end', () => {
      const init = (JSON.parse(text || '{}') as { 'child-pid'?: number })['child-pid'];
      if (init !== undefined) void this.findRuntime(init);
    });
  }

  private async findRuntime(init: number): Promise<void> {
    const gone = (): boolean => this.exited !== undefined;
    for (let i = 0; i < 200 && !gone(); i += 1) {
      const children = await readFile(
        `/proc/${String(init)}/task/${String(init)}/children`,
        'utf8',
      ).catch(() => '');
      const pid = Number(children.trim().split(' ')[0]);
      if (pid > 0) {
        if (!gone()) this.status = new ProcStatus(pid);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
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

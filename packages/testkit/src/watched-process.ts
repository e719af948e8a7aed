import { type ChildProcess, spawn } from 'node:child_process';

import { testEnv } from './test-env.js';

/**
 * A Node.js child process as the kit starts them (`lamina dev`, a standalone service, a bench's
 * baseline server): its output
 * kept for the test to read, a wait for its ready line, and a stop that always ends it.
 *
 * Invariants: the output buffer holds at most the last 4 MiB, so a long bench cannot grow it
 * without bound; `ready` rejects, with the output so far, when the process exits first or the
 * time is up; `kill` resolves only once the process has exited, sending SIGKILL after `graceMs`.
 */

const KEEP_CHARS = 4 * 1024 * 1024;

export interface WatchedProcess {
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far (the last 4 MiB). */
  logs(): string;
  /** The first match of `pattern` in its output. */
  ready(pattern: RegExp, what: string, timeoutMs: number): Promise<RegExpExecArray>;
  /** Sends `signal`; SIGKILL after `graceMs`; resolves once it has exited. */
  kill(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

const running = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null;

/** `node <args>` with this process's environment and `env` on top (undefined removes). */
export function spawnWatched(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd?: string,
): WatchedProcess {
  const child = spawn(process.execPath, args, {
    env: testEnv.forChild(env),
    ...(cwd === undefined ? {} : { cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 2 * KEEP_CHARS) out = out.slice(-KEEP_CHARS);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });

  const ready = (pattern: RegExp, what: string, timeoutMs: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.off('exit', onExit);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} not ready after ${timeoutMs} ms:\n${out}`));
      }, timeoutMs);
      const check = (): void => {
        const m = pattern.exec(out);
        if (m !== null) {
          done();
          resolve(m);
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        done();
        reject(new Error(`${what} exited (${String(code ?? signal)}):\n${out}`));
      };
      child.stdout.on('data', check);
      child.once('exit', onExit);
      check();
    });

  const kill = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (!running(child)) return;
    child.kill(signal);
    const timer = setTimeout(() => {
      if (running(child)) child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  };

  return { pid: child.pid ?? -1, logs: () => out, ready, kill };
}

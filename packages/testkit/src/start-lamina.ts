import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { testEnv } from './test-env.js';

/**
 * A real `lamina dev` process, as a user starts it, for the e2e suites and the benches.
 *
 * Invariants: it listens on a port the OS chose (LAMINA_PORT=0, read back from its "listening
 * on" line), so parallel suites never collide; it uses the state folder it is given, or a fresh
 * temporary one that `stop()` deletes; it inherits this process's environment (REDIS_URL and
 * KAFKA_BROKERS included) with the quiet defaults below and `env` on top. `stop()` is idempotent:
 * SIGTERM, then SIGKILL after `stopTimeoutMs`, and resolves once the process has exited.
 */

/** The CLI entry point, built by `npm run build` (same depth from src/ and dist/). */
const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const READY = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
/** Output kept for logs(): the last few MiB, so a long bench cannot grow it without bound. */
const KEEP_CHARS = 4 * 1024 * 1024;

export interface StartLaminaOptions {
  /** `--functions <dir>`: a folder of manifests (and code) to load; default none. */
  readonly functionsDir?: string;
  /** LAMINA_STATE_DIR to use and keep; default a fresh temporary folder deleted by stop(). */
  readonly stateDir?: string;
  /** Variables on top of the inherited environment; `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for the "listening on" line (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 15 s). */
  readonly stopTimeoutMs?: number;
}

export interface LaminaProcess {
  /** `http://127.0.0.1:<port>`: the Lambda API, the invoke API and /metrics. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly stateDir: string;
  /** Everything it wrote to stdout and stderr so far (the last 4 MiB). */
  logs(): string;
  stop(): Promise<void>;
}

const running = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null;

/** Starts `lamina dev` and resolves once it listens. */
export async function startLamina(options: StartLaminaOptions = {}): Promise<LaminaProcess> {
  const ownState = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'lamina-test-'));
  const args = [CLI, 'dev'];
  if (options.functionsDir !== undefined) args.push('--functions', options.functionsDir);
  const child = spawn(process.execPath, args, {
    env: testEnv.forChild({
      LAMINA_PORT: '0',
      LAMINA_STATE_DIR: stateDir,
      LAMINA_LOG_LEVEL: 'warn',
      LAMINA_FUNCTION_LOGS_ECHO: 'false',
      ...options.env,
    }),
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

  let port: number;
  try {
    port = await listeningPort(child, () => out, options.readyTimeoutMs ?? 30_000);
  } catch (err) {
    if (running(child)) child.kill('SIGKILL');
    await exited;
    if (ownState) rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    if (running(child)) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running(child)) child.kill('SIGKILL');
      }, options.stopTimeoutMs ?? 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (ownState) rmSync(stateDir, { recursive: true, force: true });
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    stateDir,
    logs: () => out,
    stop: () => (stopping ??= stop()),
  };
}

/** The port from the "listening on" line; rejects if the process exits or is too slow. */
function listeningPort(child: ChildProcess, output: () => string, timeoutMs: number) {
  return new Promise<number>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`lamina dev not ready after ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const check = (): void => {
      const m = READY.exec(output());
      if (m?.[1] !== undefined) {
        done();
        resolve(Number(m[1]));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done();
      reject(new Error(`lamina dev exited (${String(code ?? signal)}):\n${output()}`));
    };
    child.stdout?.on('data', check);
    child.once('exit', onExit);
  });
}

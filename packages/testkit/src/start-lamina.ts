import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { spawnWatched } from './watched-process.js';

/**
 * A real `lamina dev` process, as a user starts it, for the e2e suites and the benches.
 *
 * Invariants: it listens on a port the OS chose (LAMINA_PORT=0, read back from its "listening
 * on" line), so parallel suites never collide; it uses the state folder it is given, or a fresh
 * temporary one that `stop()` deletes; it inherits this process's environment (REDIS_URL and
 * KAFKA_BROKERS included) under quiet defaults and `env` on top. `stop()` is idempotent:
 * SIGTERM, SIGKILL after `stopTimeoutMs`, resolved once the process has exited.
 */

/** The CLI entry point, built by `npm run build` (same depth from src/ and dist/). */
export const LAMINA_CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const LISTENING = /listening on (https?):\/\/127\.0\.0\.1:(\d+)/;

export interface StartLaminaOptions {
  /** `--functions <dir>`: a folder of manifests (and code) to load; default none. */
  readonly functionsDir?: string;
  /** LAMINA_STATE_DIR to use and keep; default a fresh temporary folder deleted by stop(). */
  readonly stateDir?: string;
  /**
   * The working directory, as a user's shell would have it. With no `stateDir`, Lamina keeps its
   * default state folder `.lamina` there (LAMINA_STATE_DIR unset), exactly as the quick start does.
   */
  readonly cwd?: string;
  /** Variables on top of the inherited environment; `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for the "listening on" line (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 15 s). */
  readonly stopTimeoutMs?: number;
}

export interface LaminaProcess {
  /** `http://127.0.0.1:<port>` (`https://` with LAMINA_TLS_CERT_FILE): the Lambda API, the invoke API and /metrics. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly stateDir: string;
  /** Everything it wrote to stdout and stderr so far (the last 4 MiB). */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * The quiet defaults every `lamina dev` of a test or bench runs with: a port the OS chooses,
 * the state folder `stateDir` (undefined: Lamina's default `.lamina` in its working directory),
 * warnings only, function logs not echoed.
 */
export function devEnv(stateDir: string | undefined): Record<string, string | undefined> {
  return {
    LAMINA_PORT: '0',
    LAMINA_STATE_DIR: stateDir,
    LAMINA_LOG_LEVEL: 'warn',
    LAMINA_FUNCTION_LOGS_ECHO: 'false',
  };
}

/**
 * The private redis-server of a `lamina dev` started without REDIS_URL on `stateDir`, once it
 * listens: its pid (the pid file it keeps in `<stateDir>/redis`) and its URL (the port in its
 * process title, `redis-server 127.0.0.1:<port>`).
 */
export function privateRedisOf(stateDir: string): { pid: number; url: string } {
  const pid = Number(readFileSync(join(stateDir, 'redis', 'redis.pid'), 'utf8'));
  const title = readFileSync(`/proc/${String(pid)}/cmdline`, 'latin1');
  const port = /:(\d+)/.exec(title)?.[1];
  if (port === undefined) throw new Error(`no port in the private redis-server's title: ${title}`);
  return { pid, url: `redis://127.0.0.1:${port}` };
}

/** Starts `lamina dev` and resolves once it listens. */
export async function startLamina(options: StartLaminaOptions = {}): Promise<LaminaProcess> {
  const defaultState = options.stateDir === undefined && options.cwd !== undefined;
  const ownState = options.stateDir === undefined && !defaultState;
  const stateDir = defaultState
    ? join(options.cwd ?? '', '.lamina')
    : (options.stateDir ?? mkdtempSync(join(tmpdir(), 'lamina-test-')));
  const args = [LAMINA_CLI, 'dev'];
  if (options.functionsDir !== undefined) args.push('--functions', options.functionsDir);
  const lamina = spawnWatched(
    args,
    { ...devEnv(defaultState ? undefined : stateDir), ...options.env },
    options.cwd,
  );
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  const stop = async (): Promise<void> => {
    await lamina.kill('SIGTERM', stopTimeoutMs);
    if (ownState) rmSync(stateDir, { recursive: true, force: true });
  };

  let port: number;
  let scheme: string;
  try {
    const m = await lamina.ready(LISTENING, 'lamina dev', options.readyTimeoutMs ?? 30_000);
    scheme = m[1] ?? 'http';
    port = Number(m[2]);
  } catch (err) {
    await lamina.kill('SIGKILL', 0);
    await stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    pid: lamina.pid,
    stateDir,
    logs: () => lamina.logs(),
    stop: () => (stopping ??= stop()),
  };
}

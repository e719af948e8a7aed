import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A real `lamina dev` process, as a user starts it. */
export interface LaminaProcess {
  readonly endpoint: string;
  readonly port: number;
  readonly stateDir: string;
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly functionsDir?: string;
  readonly stateDir?: string;
  /**
   * The working directory, as a user's shell would have it. With no `stateDir` Lamina keeps its
   * default state directory, `.lamina` in this folder (the README's quick start).
   */
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

const running = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null;

export async function startLamina(o: StartOptions = {}): Promise<LaminaProcess> {
  const defaultState = o.stateDir === undefined && o.cwd !== undefined;
  const stateDir = defaultState
    ? join(o.cwd ?? '', '.lamina')
    : (o.stateDir ?? mkdtempSync(join(tmpdir(), 'lamina-test-')));
  const args = [join(root, 'cli/dist/main.js'), 'dev'];
  if (o.functionsDir !== undefined) args.push('--functions', o.functionsDir);
  const env: Record<string, string | undefined> = {
    ...process.env,
    LAMINA_PORT: '0',
    LAMINA_STATE_DIR: stateDir,
    LAMINA_LOG_LEVEL: 'warn',
    LAMINA_FUNCTION_LOGS_ECHO: 'false',
    ...o.env,
  };
  if (defaultState) delete env['LAMINA_STATE_DIR'];
  const child: ChildProcess = spawn(process.execPath, args, {
    env,
    ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`lamina dev not ready:\n${out}`));
    }, 30_000);
    const check = (): void => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lamina dev exited (${code}):\n${out}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stateDir,
    output: () => out,
    stop: async () => {
      if (!running(child)) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (running(child)) child.kill('SIGKILL');
    },
  };
}

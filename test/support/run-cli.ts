import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, as `npx lamina` runs it. */
export const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `lamina ARGS` as a process, as a user's shell would: this process's environment without
 * any LAMINA_ENDPOINT/PROFILE/OUTPUT of its own, `env` on top, optional stdin text.
 */
export function runCli(
  args: readonly string[],
  o: {
    env?: Readonly<Record<string, string>>;
    cwd?: string;
    input?: string;
    timeoutMs?: number;
  } = {},
): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...o.env };
  for (const k of ['LAMINA_ENDPOINT', 'LAMINA_PROFILE', 'LAMINA_OUTPUT']) {
    if (o.env?.[k] === undefined) env[k] = undefined;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env,
      ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../../services/dispatcher/dist/main.js', import.meta.url));

/** A standalone dispatcher process (services/dispatcher/dist/main.js), as a cluster runs it. */
export interface DispatcherProcess {
  readonly pid: number;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startDispatcherProcess(
  env: Readonly<Record<string, string>>,
): Promise<DispatcherProcess> {
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { ...process.env, LAMINA_DISPATCHER_PORT: '0', LAMINA_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`dispatcher not ready:\n${out}`));
    }, 20_000);
    child.stdout?.on('data', () => {
      if (out.includes('lamina dispatcher running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dispatcher exited (${code}):\n${out}`));
    });
  });
  return {
    pid: child.pid ?? -1,
    output: () => out,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    },
  };
}

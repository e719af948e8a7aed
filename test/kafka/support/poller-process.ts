import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../../services/poller/dist/main.js', import.meta.url));

/** A standalone poller process (services/poller/dist/main.js), as a cluster runs it. */
export interface PollerProcess {
  readonly pid: number;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startPollerProcess(
  env: Readonly<Record<string, string>>,
): Promise<PollerProcess> {
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { ...process.env, LAMINA_POLLER_PORT: '0', LAMINA_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`poller not ready:\n${out}`));
    }, 20_000);
    child.stdout?.on('data', () => {
      if (out.includes('lamina poller running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`poller exited (${code}):\n${out}`));
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

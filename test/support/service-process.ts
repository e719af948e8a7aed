import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Standalone services that run on @lamina/service-kit, as a cluster runs them. */
export type ServiceName = 'dispatcher' | 'poller';

/** A standalone service process (services/<name>/dist/main.js). */
export interface ServiceProcess {
  readonly pid: number;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts one and waits for its `lamina <name> running` line. */
export async function startServiceProcess(
  name: ServiceName,
  env: Readonly<Record<string, string>>,
): Promise<ServiceProcess> {
  const main = fileURLToPath(new URL(`../../services/${name}/dist/main.js`, import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      [`LAMINA_${name.toUpperCase()}_PORT`]: '0',
      LAMINA_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name} not ready:\n${out}`));
    }, 20_000);
    child.stdout?.on('data', () => {
      if (out.includes(`lamina ${name} running`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}):\n${out}`));
    });
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid ?? -1,
    output: () => out,
    kill: async (signal) => {
      if (!running()) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    },
  };
}

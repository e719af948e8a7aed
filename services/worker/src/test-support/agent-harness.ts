/** Test helpers for the worker agent: a code store + env dir on disk, the agent as a process. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AGENT_HEADERS, AGENT_INVOKE_PATH } from '@lamina/core';
import { bootstrapPath, fixturesDir } from './fixtures.js';

export const agentBundle = path.resolve(fixturesDir, '../dist/agent.mjs');

/** (Re)builds dist/agent.mjs from the sources; about half a second. */
export function bundleAgent(): void {
  execFileSync(process.execPath, [path.resolve(fixturesDir, '../scripts/bundle-agent.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * One handler for every case: `{action: 'echo' | 'throw' | 'sleep' | 'log' | 'crash', ms?,
 * lines?}`; `crash` logs `lines` lines and SIGKILLs its own process at once.
 */
export const HANDLER_SOURCE = `
export const handler = async (event, context) => {
  if (event.action === 'throw') throw new TypeError('boom');
  if (event.action === 'crash') {
    for (let i = 0; i < event.lines; i++) console.log('crash line ' + i);
    process.kill(process.pid, 'SIGKILL');
  }
  if (event.action === 'sleep') await new Promise((r) => setTimeout(r, event.ms));
  if (event.action === 'log') console.log('a line for the tail');
  if (event.action === 'where') return { cwd: process.cwd(), root: process.env.LAMBDA_TASK_ROOT };
  return { event, greeting: process.env.GREETING ?? null, version: context.functionVersion };
};
`;

export interface PodFiles {
  readonly root: string;
  /** The code store (LAMINA_CODE_DIR): the code is at `<store>/<hex>/index.mjs`. */
  readonly store: string;
  readonly hex: string;
  /** LAMINA_ENVIRONMENT_DIR, with GREETING and a `..data` entry like a projected volume. */
  readonly envDir: string;
  /** A LAMINA_BOOTSTRAP that runs the project's Node.js runtime (it ignores the handler arg). */
  readonly bootstrap: string;
  cleanup(): void;
}

/** The files a worker pod gets, world-readable so a container's uid 10001 can read them too. */
export function makePodFiles(): PodFiles {
  const root = mkdtempSync(path.join(tmpdir(), 'lamina-agent-'));
  const hex = randomUUID().replaceAll('-', '').repeat(2);
  const store = path.join(root, 'code');
  const envDir = path.join(root, 'env');
  mkdirSync(path.join(store, hex), { recursive: true });
  mkdirSync(path.join(envDir, '..2026_11_27'), { recursive: true });
  writeFileSync(path.join(store, hex, 'index.mjs'), HANDLER_SOURCE);
  writeFileSync(path.join(envDir, 'GREETING'), 'hello from the env dir');
  const bootstrap = path.join(root, 'bootstrap');
  writeFileSync(bootstrap, `#!/bin/sh\nexec '${process.execPath}' '${bootstrapPath}'\n`);
  for (const dir of [root, store, path.join(store, hex), envDir]) chmodSync(dir, 0o755);
  chmodSync(bootstrap, 0o755);
  return {
    root,
    store,
    hex,
    envDir,
    bootstrap,
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every JSON log line so far. */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit code (or signal). */
  readonly exited: Promise<number | string>;
}

/** Starts dist/agent.mjs on an ephemeral port (`env` is all it gets); resolves once it listens. */
export function startAgentProcess(env: Record<string, string>): Promise<AgentProcess> {
  const child = spawn(process.execPath, [agentBundle], {
    env: { LAMINA_WORKER_PORT: '0', LAMINA_WORKER_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry['msg'] === 'worker agent listening') {
          resolve({ child, port: entry['port'] as number, logs, exited });
        }
      }
    });
    void exited.then((how) => {
      reject(new Error(`agent exited (${String(how)}) before listening: ${stderr}`));
    });
  });
}

export interface InvokeOptions {
  readonly functionName?: string;
  readonly version?: string;
  readonly tail?: boolean;
  /** Default a new UUID. */
  readonly requestId?: string;
}

export interface AgentAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** One call of the agent protocol, as the gateway makes it. */
export async function invokeAgent(
  baseUrl: string,
  payload: unknown,
  o: InvokeOptions = {},
): Promise<AgentAnswer> {
  const res = await fetch(`${baseUrl}${AGENT_INVOKE_PATH}`, {
    method: 'POST',
    headers: {
      [AGENT_HEADERS.function]: o.functionName ?? 'hello',
      [AGENT_HEADERS.version]: o.version ?? '3',
      [AGENT_HEADERS.requestId]: o.requestId ?? randomUUID(),
      [AGENT_HEADERS.invokedArn]: 'arn:aws:lambda:us-east-1:000000000000:function:hello:3',
      ...(o.tail === true ? { [AGENT_HEADERS.logType]: 'Tail' } : {}),
    },
    body: JSON.stringify(payload),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

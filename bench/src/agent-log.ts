import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AGENT_HEADERS, AGENT_INVOKE_PATH } from '@lamina/core';

import { cpuOfPid, writeSyscallsOfPid } from './cpu-usage.js';

/**
 * bench/agent-log: what a worker pod's agent spends on a call's function log (ADR 0050). The
 * agent bundle (services/worker/dist/agent.mjs) runs as a pod runs it, outside a container, with
 * Lamina's Node.js runtime and a handler that logs `--lines` lines per call; after 200 warm-up
 * calls, `--calls` sequential calls, and per call: the agent process's write-type syscalls
 * (/proc/<pid>/io `syscw`), its CPU (/proc/<pid>/stat) and the function records it printed.
 * With `--before <checkout>` the same is measured on another checkout's build (its agent bundle
 * and runtime), alternated with this one for `--rounds` rounds: the same-run baseline.
 * Writes bench/results/agent-log.json.
 *
 *   node bench/dist/agent-log.js [--before /path/to/other/checkout] [--calls 1000] [--lines 5]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const CALLS = Number(arg('--calls') ?? 1000);
const LINES = Number(arg('--lines') ?? 5);
const ROUNDS = Number(arg('--rounds') ?? 2);
const BEFORE = arg('--before');

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

interface AgentRun {
  readonly tree: string;
  readonly writeSyscallsPerCall: number;
  readonly agentCpuMsPerCall: number;
  readonly functionRecordsPerCall: number;
  readonly loadAverage: number[];
}

/** A code store, env dir and bootstrap for `tree`'s runtime, as agent.int.test.ts makes them. */
function podFiles(dir: string, tree: string): { hex: string; env: Record<string, string> } {
  const hex = randomUUID().replaceAll('-', '').repeat(2);
  mkdirSync(join(dir, 'code', hex), { recursive: true });
  mkdirSync(join(dir, 'env'), { recursive: true });
  writeFileSync(
    join(dir, 'code', hex, 'index.mjs'),
    `export const handler = async () => { for (let i = 0; i < ${LINES}; i++) console.log('line ' + i); return { ok: true }; };\n`,
  );
  const bootstrap = join(dir, 'bootstrap');
  const runtime = join(tree, 'runtimes/nodejs/dist/bootstrap.js');
  writeFileSync(bootstrap, `#!/bin/sh\nexec '${process.execPath}' '${runtime}'\n`);
  chmodSync(bootstrap, 0o755);
  return {
    hex,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      LAMINA_WORKER_PORT: '0',
      LAMINA_WORKER_HOST: '127.0.0.1',
      LAMINA_FUNCTION_NAME: 'bench',
      LAMINA_FUNCTION_VERSION: '1',
      LAMINA_RUNTIME: 'nodejs22.x',
      LAMINA_HANDLER: 'index.handler',
      LAMINA_TIMEOUT_SECONDS: '10',
      LAMINA_CODE_SHA256: hex,
      LAMINA_CODE_DIR: join(dir, 'code'),
      LAMINA_ENVIRONMENT_DIR: join(dir, 'env'),
      LAMINA_BOOTSTRAP: bootstrap,
      LAMINA_DRAIN_LINGER_MS: '0',
    },
  };
}

/** Starts `tree`'s agent; resolves with its port and a count of its function records. */
function startAgent(
  tree: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number; records: () => number }> {
  const child = spawn(process.execPath, [join(tree, 'services/worker/dist/agent.mjs')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let records = 0;
  let buffered = '';
  return new Promise((resolvePort, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`the agent of ${tree} exited (${String(code)}) before listening`));
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const entry = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
        buffered = buffered.slice(nl + 1);
        if (entry['stream'] === 'function') records++;
        if (entry['msg'] === 'worker agent listening')
          resolvePort({ child, port: entry['port'] as number, records: () => records });
      }
    });
  });
}

async function measure(tree: string): Promise<AgentRun> {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-bench-agent-log-'));
  const { env } = podFiles(dir, tree);
  const agent = await startAgent(tree, env);
  const pid = agent.child.pid ?? 0;
  const url = `http://127.0.0.1:${agent.port}`;
  try {
    for (let ready = false; !ready;) {
      ready = (await fetch(`${url}/readyz`)).status === 200;
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    const call = async (): Promise<void> => {
      const res = await fetch(`${url}${AGENT_INVOKE_PATH}`, {
        method: 'POST',
        headers: {
          [AGENT_HEADERS.function]: 'bench',
          [AGENT_HEADERS.version]: '1',
          [AGENT_HEADERS.requestId]: randomUUID(),
          [AGENT_HEADERS.invokedArn]: 'arn:aws:lambda:us-east-1:000000000000:function:bench:1',
        },
        body: '{}',
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`the agent answered ${res.status}`);
    };
    for (let i = 0; i < 200; i++) await call();
    // Records of the warm-up still batched are written within the agent's flush window.
    await new Promise((r) => setTimeout(r, 200));
    const w0 = writeSyscallsOfPid(pid);
    const c0 = cpuOfPid(pid);
    const r0 = agent.records();
    for (let i = 0; i < CALLS; i++) await call();
    await new Promise((r) => setTimeout(r, 200));
    return {
      tree,
      writeSyscallsPerCall: (writeSyscallsOfPid(pid) - w0) / CALLS,
      agentCpuMsPerCall: ((cpuOfPid(pid) - c0) * 1000) / CALLS,
      functionRecordsPerCall: (agent.records() - r0) / CALLS,
      loadAverage: loadavg(),
    };
  } finally {
    agent.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const trees = BEFORE === undefined ? [root] : [resolve(BEFORE), root];
  const runs: AgentRun[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const tree of trees) {
      const run = await measure(tree);
      runs.push(run);
      log(
        `${tree}: ${run.writeSyscallsPerCall.toFixed(2)} write syscalls, ` +
          `${run.agentCpuMsPerCall.toFixed(3)} ms agent CPU, ` +
          `${run.functionRecordsPerCall.toFixed(1)} function records per call ` +
          `(load ${run.loadAverage[0]?.toFixed(1) ?? '?'})`,
      );
    }
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    settings: { calls: CALLS, linesPerCall: LINES, rounds: ROUNDS, before: BEFORE ?? null },
    runs,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/agent-log.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startLamina } from '@lamina/testkit';

import { cpuOfPid, memoryOfPid, type ResidentByMapping, residentByMapping } from './cpu-usage.js';

/**
 * bench/idle-memory: what an idle execution environment holds, per runtime, as local mode runs
 * it (`lamina dev`, each runtime in its bubblewrap sandbox), next to a bare interpreter doing
 * nothing (`node -e`, `python3 -c`) started in the same run. Each environment is measured after
 * its first call and again after WARM_CALLS more (when the JIT and the heap have grown), always
 * idle (parked on `/next`).
 *
 * Figures per process, from /proc: resident (VmRSS, what Lambda's `Max Memory Used` and issue
 * #20's target count), private (RssAnon: memory no other process shares), proportional (Pss:
 * shared pages divided among the processes mapping them) and the sandbox's own processes
 * (bubblewrap and its namespace init). Writes bench/results/idle-memory.json.
 *
 *   node bench/dist/idle-memory.js [--quick]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const WARM_CALLS = quick ? 100 : 1000;
const SETTLE_MS = 1500;

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** One process's memory in MB, to 0.1 MB. */
interface Memory {
  readonly pid: number;
  readonly residentMb: number;
  readonly privateMb: number;
  readonly proportionalMb: number;
  /** Resident MB by mapping: the executable's file pages, libraries, other files, anonymous. */
  readonly residentByMapping: ResidentByMapping | undefined;
}

const tenth = (mb: number): number => Math.round(mb * 10) / 10;

function memoryOf(pid: number): Memory | undefined {
  const m = memoryOfPid(pid); // undefined: gone meanwhile
  return m === undefined
    ? undefined
    : {
        pid,
        residentMb: tenth(m.rssMb),
        privateMb: tenth(m.anonMb),
        proportionalMb: tenth(m.pssMb),
        residentByMapping: residentByMapping(pid),
      };
}

/** Live processes: pid → [parent pid, command line]. */
function processes(): Map<number, [number, string]> {
  const out = new Map<number, [number, string]>();
  for (const entry of readdirPids()) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      out.set(entry, [ppid, cmd]);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const readdirPids = (): number[] =>
  readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);

/** The runtime process (command line containing `marker`) under `rootPid`, and its sandbox. */
function environmentOf(
  rootPid: number,
  marker: string,
): { runtime: Memory; sandbox: Memory[] } | undefined {
  const all = processes();
  const ancestry = (pid: number): number[] => {
    const chain: number[] = [];
    for (let p = all.get(pid)?.[0]; p !== undefined && p > 1 && chain.length < 64;) {
      chain.push(p);
      if (p === rootPid) return chain;
      p = all.get(p)?.[0];
    }
    return [];
  };
  for (const [pid, [, cmd]] of all) {
    // bubblewrap's own command line names the runtime too: the runtime is the one that is not bwrap.
    if (!cmd.includes(marker) || (cmd.split(' ')[0] ?? '').endsWith('bwrap')) continue;
    const chain = ancestry(pid);
    if (chain.length === 0) continue;
    const runtime = memoryOf(pid);
    if (runtime === undefined) continue;
    const sandbox = chain
      .filter((p) => p !== rootPid && (all.get(p)?.[1] ?? '').includes('bwrap'))
      .map(memoryOf)
      .filter((m): m is Memory => m !== undefined);
    return { runtime, sandbox };
  }
  return undefined;
}

/** A bare interpreter idling, measured after it settled. */
async function bare(command: string, args: string[]): Promise<Memory | undefined> {
  if (!existsSync(command)) return undefined;
  const child = spawn(command, args, { stdio: 'ignore' });
  await sleep(SETTLE_MS);
  const m = child.pid === undefined ? undefined : memoryOf(child.pid);
  child.kill('SIGKILL');
  return m;
}

interface Runtime {
  readonly id: string;
  readonly name: string;
  readonly handler: string;
  readonly file: string;
  readonly code: string;
  /** Identifies the runtime process by its command line. */
  readonly marker: string;
}

const RUNTIMES: readonly Runtime[] = [
  {
    id: 'nodejs22.x',
    name: 'idle-node',
    handler: 'index.handler',
    file: 'index.js',
    code: 'exports.handler = async (event) => ({ ok: true, n: event.n });\n',
    marker: 'runtimes/nodejs/dist/bootstrap.js',
  },
  {
    id: 'python3.11',
    name: 'idle-python',
    handler: 'app.handler',
    file: 'app.py',
    code: 'def handler(event, context):\n    return {"ok": True, "n": event.get("n")}\n',
    marker: 'awslambdaric',
  },
];

async function invoke(base: string, name: string, n: number): Promise<void> {
  const res = await fetch(`${base}/2015-03-31/functions/${name}/invocations`, {
    method: 'POST',
    body: JSON.stringify({ n }),
  });
  const text = await res.text();
  if (res.status !== 200 || res.headers.get('x-amz-function-error') !== null)
    throw new Error(`${name} answered ${res.status}: ${text}`);
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const node = await bare(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)']);
  // What a runtime needs before any code of ours: an ES module entry (the ESM loader), and a
  // TCP connection open to a Runtime API (node:net, libuv's stream).
  const idle = 'setInterval(() => {}, 1 << 30);';
  const nodeModule = await bare(process.execPath, ['--input-type=module', '-e', idle]);
  const listener = createServer(() => undefined);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  const nodeModuleSocket = await bare(process.execPath, [
    '--input-type=module',
    '-e',
    `import net from 'node:net'; net.connect(${port}, '127.0.0.1'); ${idle}`,
  ]);
  listener.close();
  const python = await bare('/usr/bin/python3.11', ['-c', 'import time; time.sleep(1 << 20)']);
  log(`bare node ${JSON.stringify(node)}; bare python3.11 ${JSON.stringify(python)}`);

  const state = mkdtempSync(join(tmpdir(), 'lamina-bench-idle-'));
  const functions = join(state, 'functions');
  for (const r of RUNTIMES) {
    mkdirSync(join(functions, r.name), { recursive: true });
    writeFileSync(join(functions, r.name, r.file), r.code);
    writeFileSync(
      join(functions, `${r.name}.yaml`),
      `apiVersion: lamina.dev/v1alpha1\nkind: Function\nmetadata: {name: ${r.name}}\n` +
        `spec: {runtime: ${r.id}, handler: ${r.handler}, memorySize: 128, timeout: 10, code: {path: ./${r.name}}}\n`,
    );
  }
  const lamina = await startLamina({
    functionsDir: functions,
    stateDir: join(state, 'state'),
    env: { REDIS_URL: undefined, LAMINA_WARM_POOL_SIZE: '0' },
  });
  const environments: Record<string, unknown>[] = [];
  try {
    for (const r of RUNTIMES) {
      try {
        await invoke(lamina.url, r.name, 0);
      } catch (err) {
        log(`${r.id} skipped: ${String(err)}`);
        continue;
      }
      await sleep(SETTLE_MS);
      const first = environmentOf(lamina.pid, r.marker);
      const cpu0 = first === undefined ? 0 : cpuOfPid(first.runtime.pid);
      for (let i = 1; i <= WARM_CALLS; i++) await invoke(lamina.url, r.name, i);
      await sleep(SETTLE_MS);
      const warm = environmentOf(lamina.pid, r.marker);
      const cpu = warm === undefined ? 0 : cpuOfPid(warm.runtime.pid) - cpu0;
      const entry = {
        runtime: r.id,
        afterFirstCall: first,
        [`after${WARM_CALLS}Calls`]: warm,
        runtimeCpuUsPerCall: Math.round((cpu * 1e6) / WARM_CALLS),
      };
      environments.push(entry);
      log(`${r.id}: ${JSON.stringify(entry)}`);
    }
  } finally {
    await lamina.stop();
    rmSync(state, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
    settings: {
      mode: 'lamina dev, bubblewrap sandbox, LAMINA_WARM_POOL_SIZE=0, MemorySize 128',
      warmCalls: WARM_CALLS,
      note: 'MB per process from /proc: resident = VmRSS, private = RssAnon, proportional = Pss, residentByMapping = Rss of /proc/<pid>/smaps grouped; sandbox = bubblewrap and its namespace init; bare = the interpreter alone, idle, no sandbox (nodeModule: an ES module entry; nodeModuleSocket: the same holding a TCP connection)',
    },
    bare: { node, nodeModule, nodeModuleSocket, python3_11: python },
    environments,
    targets: { nodeResidentMb: 35, pythonResidentMb: 30 },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/idle-memory.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

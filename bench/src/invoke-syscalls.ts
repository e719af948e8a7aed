import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runLoad } from './load.js';
import { usageOfTree } from './cpu-usage.js';
import { noopInvokeUrl, startCheckout } from './local-checkout.js';

/**
 * bench/invoke-syscalls: the syscalls of one warm sync invoke of the no-op function through
 * `lamina dev`, counted by `strace -c` on the gateway's main thread and on every Node.js runtime,
 * at concurrency 1 and 32. Unlike wall-clock and CPU time on a shared machine, the counts do not
 * depend on its load. With `--before <checkout>` the same is measured for another built checkout
 * (e.g. the main branch) in the same run. Writes bench/results/invoke-syscalls.json.
 *
 *   npm run bench:invoke-syscalls [-- --before /path/to/checkout] [--quick]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
const CALLS = quick ? 500 : 2000;
const PAYLOAD = JSON.stringify({ hello: 'world', n: 42 });

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** Calls per invoke of each syscall, most frequent first, and their sum. */
interface Counts {
  readonly processes: number;
  readonly perCall: number;
  readonly bySyscall: Readonly<Record<string, number>>;
}

/** Reads `strace -c -o` output: the `calls` and `syscall` columns of each row. */
function countsOf(file: string, processes: number, calls: number): Counts {
  const rows: [string, number][] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cols = line.trim().split(/\s+/);
    const name = cols[cols.length - 1] ?? '';
    if (!/^\d/.test(cols[0] ?? '') || name === 'total') continue;
    rows.push([name, Number(cols[3])]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  const round = (n: number): number => Math.round((n / calls) * 100) / 100;
  return {
    processes,
    perCall: round(rows.reduce((sum, [, n]) => sum + n, 0)),
    bySyscall: Object.fromEntries(rows.slice(0, 10).map(([name, n]) => [name, round(n)])),
  };
}

function strace(pids: readonly number[], out: string): ChildProcess {
  const args = ['-c', '-o', out, ...pids.flatMap((p) => ['-p', String(p)])];
  return spawn('strace', args, { stdio: 'ignore' });
}

/** The runtimes of a checkout: every process running its Node.js runtime's bootstrap. */
/** The runtimes under `rootPid` (its own `lamina dev`), not other checkouts' or other runs'. */
function runtimePids(checkout: string, rootPid: number): number[] {
  const marker = join(checkout, 'runtimes/nodejs');
  const tree = new Set(usageOfTree(rootPid).map((u) => u.pid));
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(marker))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((pid) => tree.has(pid));
}

async function measure(
  checkout: string,
  concurrency: number,
): Promise<{ gateway: Counts; runtimes: Counts }> {
  const lamina = await startCheckout(checkout);
  const dir = mkdtempSync(join(tmpdir(), 'lamina-syscalls-'));
  try {
    const url = noopInvokeUrl(lamina);
    await runLoad({ url, body: PAYLOAD, concurrency, requests: 1000 });
    const runtimes = runtimePids(checkout, lamina.pid);
    const tracers = [
      strace([lamina.pid], join(dir, 'gateway')),
      strace(runtimes, join(dir, 'runtimes')),
    ];
    await new Promise((r) => setTimeout(r, 1500)); // attached
    const r = await runLoad({ url, body: PAYLOAD, concurrency, requests: CALLS });
    await Promise.all(
      tracers.map(
        (t) =>
          new Promise((done) => {
            t.once('exit', done);
            t.kill('SIGINT');
          }),
      ),
    );
    return {
      gateway: countsOf(join(dir, 'gateway'), 1, r.requests),
      runtimes: countsOf(join(dir, 'runtimes'), runtimes.length, r.requests),
    };
  } finally {
    await lamina.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const checkouts = before === undefined ? [root] : [resolve(before), root];
  const results: Record<string, unknown>[] = [];
  for (const checkout of checkouts) {
    for (const concurrency of [1, 32]) {
      log(`${checkout}: concurrency ${concurrency}, ${CALLS} calls under strace`);
      const counts = await measure(checkout, concurrency);
      log(
        `${checkout} c=${concurrency}: gateway ${counts.gateway.perCall} syscalls/call ${JSON.stringify(counts.gateway.bySyscall)}; ${counts.runtimes.processes} runtimes ${counts.runtimes.perCall} ${JSON.stringify(counts.runtimes.bySyscall)}`,
      );
      results.push({ checkout, concurrency, calls: CALLS, ...counts });
    }
  }
  const out = { date: new Date().toISOString(), loadAverageAtStart: loadAtStart, results };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/invoke-syscalls.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LaminaProcess } from '@lamina/testkit';
import { runLoad } from './load.js';
import { noopInvokeUrl, startCheckout } from './local-checkout.js';

/**
 * bench/invoke-window: where a warm sync invoke at concurrency 1 waits on the gateway. From the
 * kernel's syscall tracepoints on the gateway's main thread (`perf record`, no ptrace stops), per
 * call: the request window — the end of the `read` of the client's request to the `writev` that
 * hands the event to the runtime — and the answer window — the end of the `read` of the
 * runtime's answer to the `writev` of the HTTP answer. Both are the gateway's share of the
 * call's latency (the rest is the runtime and the kernel's loopback), and unlike a whole call's
 * latency they do not include the runtime's or the load generator's scheduling. With `--before
 * <checkout>` both local modes stay up and are measured in interleaved rounds (the order
 * alternating). Needs `perf` and access to the syscalls tracepoints (root).
 * Writes bench/results/invoke-window.json.
 *
 *   npm run bench:invoke-window [-- --before /work/main] [--rounds 3] [--quick]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
const roundsAt = process.argv.indexOf('--rounds');
const ROUNDS = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 3;
const CALLS = quick ? 500 : 2000;
const PAYLOAD = JSON.stringify({ hello: 'world', n: 42 });
const EVENTS = [
  'syscalls:sys_enter_read',
  'syscalls:sys_exit_read',
  'syscalls:sys_enter_writev',
  'syscalls:sys_enter_write',
];

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** Microseconds: median and spread of one window over a phase's calls. */
interface Spread {
  readonly calls: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
}

interface Windows {
  readonly request: Spread;
  readonly answer: Spread;
}

function spread(us: number[]): Spread {
  const s = [...us].sort((a, b) => a - b);
  const at = (q: number): number =>
    Math.round((s[Math.floor(q * (s.length - 1))] ?? NaN) * 10) / 10;
  return { calls: s.length, p10: at(0.1), p50: at(0.5), p90: at(0.9) };
}

interface Event {
  readonly at: number;
  readonly kind: 'read' | 'write';
  readonly fd: number;
}

/**
 * The two windows of every call in `perf script` output. The client's connection and the
 * runtime's are the two descriptors read most (once a call each; Redis and the rest far less);
 * the client's is the one read first, since a call begins with its request. A window runs from
 * a read's end on one of them to the next writev or write on the other.
 */
function windowsOf(script: string): Windows {
  const events: Event[] = [];
  const reads = new Map<number, { count: number; first: number }>();
  let readFd = -1;
  for (const line of script.split('\n')) {
    const m = /^\s*(\d+\.\d+):\s+syscalls:(sys_\w+):\s*(.*)$/.exec(line);
    if (m === null) continue;
    const at = Number(m[1]) * 1e6;
    const args = m[3] ?? '';
    const fd = parseInt(/fd: (0x[0-9a-f]+)/.exec(args)?.[1] ?? '-1', 16);
    if (m[2] === 'sys_enter_read') readFd = fd;
    else if (m[2] === 'sys_exit_read') {
      const n = parseInt(args.trim(), 16);
      if (n <= 0 || n >= 0x8000_0000) continue; // EAGAIN or end of stream
      events.push({ at, kind: 'read', fd: readFd });
      const r = reads.get(readFd) ?? { count: 0, first: events.length };
      r.count++;
      reads.set(readFd, r);
    } else events.push({ at, kind: 'write', fd });
  }
  const [a, b] = [...reads].sort((x, y) => y[1].count - x[1].count);
  if (a === undefined || b === undefined) return { request: spread([]), answer: spread([]) };
  const [client, runtime] = a[1].first < b[1].first ? [a[0], b[0]] : [b[0], a[0]];
  const request: number[] = [];
  const answer: number[] = [];
  let open: Event | undefined;
  for (const e of events) {
    if (e.kind === 'read') {
      if (e.fd === client || e.fd === runtime) open = e;
    } else if (open !== undefined && e.fd !== open.fd && (e.fd === client || e.fd === runtime)) {
      (open.fd === client ? request : answer).push(e.at - open.at);
      open = undefined;
    }
  }
  return { request: spread(request), answer: spread(answer) };
}

function perfRecord(pid: number, out: string): ChildProcess {
  const events = EVENTS.flatMap((e) => ['-e', e]);
  return spawn('perf', ['record', '-q', ...events, '-t', String(pid), '-o', out], {
    stdio: 'ignore',
  });
}

async function phase(lamina: LaminaProcess, dir: string): Promise<Windows> {
  const data = join(dir, `perf-${String(lamina.pid)}.data`);
  const perf = perfRecord(lamina.pid, data);
  await new Promise((r) => setTimeout(r, 1000)); // attached
  await runLoad({ url: noopInvokeUrl(lamina), body: PAYLOAD, concurrency: 1, requests: CALLS });
  await new Promise((done) => {
    perf.once('exit', done);
    perf.kill('SIGINT');
  });
  const script = execFileSync('perf', ['script', '-i', data, '-F', 'time,event,trace'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return windowsOf(script);
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const sides: { name: string; checkout: string; lamina: LaminaProcess }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'lamina-window-'));
  try {
    for (const [name, checkout] of before === undefined
      ? [['lamina', root]]
      : [
          ['before', resolve(before)],
          ['lamina', root],
        ]) {
      log(`${name}: local mode (lamina dev) of ${checkout ?? ''}`);
      const lamina = await startCheckout(checkout ?? root);
      await runLoad({ url: noopInvokeUrl(lamina), body: PAYLOAD, concurrency: 1, requests: 1000 });
      sides.push({ name: name ?? '', checkout: checkout ?? root, lamina });
    }
    const rounds: Record<string, unknown>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 0 ? [...sides].reverse() : sides;
      for (const { name, lamina } of order) {
        const load = Number(loadavg()[0]?.toFixed(2));
        const w = await phase(lamina, dir);
        log(
          `round ${String(round)} ${name} (load ${String(load)}): request window p50 ${String(w.request.p50)} us, answer window p50 ${String(w.answer.p50)} us (${String(w.answer.calls)} calls)`,
        );
        rounds.push({ round, name, loadAverage: load, ...w });
      }
    }
    /** The median over a side's rounds of one window's per-round p10 or p50. */
    const median = (name: string, key: 'request' | 'answer', q: 'p10' | 'p50'): number => {
      const xs = rounds
        .filter((r) => r['name'] === name)
        .map((r) => (r[key] as Spread)[q])
        .sort((a, b) => a - b);
      const m = Math.floor(xs.length / 2);
      return xs.length % 2 === 1 ? (xs[m] ?? NaN) : ((xs[m - 1] ?? NaN) + (xs[m] ?? NaN)) / 2;
    };
    const medians = Object.fromEntries(
      sides.map(({ name }) => [
        name,
        {
          requestP50Us: median(name, 'request', 'p50'),
          requestP10Us: median(name, 'request', 'p10'),
          answerP50Us: median(name, 'answer', 'p50'),
          answerP10Us: median(name, 'answer', 'p10'),
        },
      ]),
    );
    const out = {
      date: new Date().toISOString(),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
      calls: CALLS,
      checkouts: Object.fromEntries(sides.map((s) => [s.name, s.checkout])),
      medians,
      rounds,
    };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    const file = join(root, 'bench/results/invoke-window.json');
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    log(`medians of the rounds' p50 (us): ${JSON.stringify(medians)}`);
    log(`wrote ${file}`);
  } finally {
    for (const s of sides) await s.lamina.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

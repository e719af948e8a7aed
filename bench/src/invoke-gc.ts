import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { devEnv } from '@lamina/testkit';

import { runLoad } from './load.js';

/**
 * bench/invoke-gc: the gateway's garbage per warm sync invoke of the no-op function through
 * `lamina dev`, from V8's own GC trace (`--trace-gc` on the gateway process only; its runtimes
 * run as usual). For each window of calls it sums what every young-generation collection
 * (Scavenge) freed and counts the collections: the bytes the invoke path allocates and drops,
 * a count the machine's load does not move (unlike CPU time). With `--before <checkout>` both
 * builds stay up and are measured in interleaved rounds (the order alternates). Writes
 * bench/results/invoke-gc.json.
 *
 *   npm run bench:invoke-gc [-- --before /path/to/checkout] [--quick]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
const CALLS = quick ? 3000 : 10_000;
const ROUNDS = quick ? 2 : 3;
const PAYLOAD = JSON.stringify({ hello: 'world', n: 42 });

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

// `[pid:0x…]   1234 ms: Scavenge 10.1 (12.3) -> 9.8 (13.3) MB, …`
const GC_LINE =
  /: (Scavenge|Mark-Compact|Minor Mark-Compact)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+) /;

/** One `lamina dev` under --trace-gc, its GC lines counted as they come. */
class Traced {
  url = '';
  /** Young-generation collections seen so far, and the MB they freed. */
  scavenges = 0;
  scavengedMb = 0;
  fullGcs = 0;
  private rest = '';

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly stateDir: string,
  ) {}

  /** Counts the GC lines of a chunk of stdout; returns the other lines. */
  take(chunk: string): string[] {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop() ?? '';
    return lines.filter((line) => {
      const gc = GC_LINE.exec(line);
      if (gc === null) return true;
      if (gc[1] === 'Scavenge') {
        this.scavenges++;
        this.scavengedMb += Math.max(0, Number(gc[2]) - Number(gc[3]));
      } else {
        this.fullGcs++;
      }
      return false;
    });
  }
}

async function startTraced(name: string, checkout: string): Promise<Traced> {
  const stateDir = mkdtempSync(join(tmpdir(), 'lamina-gc-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...devEnv(stateDir) };
  // No REDIS_URL: lamina dev starts its own private Redis (and admits in memory).
  delete env['REDIS_URL'];
  const cli = join(checkout, 'cli/dist/main.js');
  const child = spawn(
    process.execPath,
    ['--trace-gc', cli, 'dev', '--functions', join(root, 'bench/functions')],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const t = new Traced(name, child, stateDir);
  child.stderr.resume();
  t.url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name}: lamina dev did not listen within 60 s`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name}: lamina dev exited (${String(code)})`));
    });
    child.stdout.on('data', (d: Buffer) => {
      for (const line of t.take(d.toString())) {
        const listening = /listening on (https?:\/\/\S+)/.exec(line);
        if (listening !== null) {
          clearTimeout(timer);
          resolveUrl(listening[1] ?? '');
        }
      }
    });
  });
  return t;
}

async function stopTraced(t: Traced): Promise<void> {
  const exited = new Promise((done) => t.child.once('exit', done));
  t.child.kill('SIGTERM');
  const timer = setTimeout(() => t.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  rmSync(t.stateDir, { recursive: true, force: true });
}

interface Window {
  readonly name: string;
  readonly round: number;
  readonly concurrency: number;
  readonly calls: number;
  readonly scavengesPer10kCalls: number;
  /** What young-generation collections freed, per call (KB). */
  readonly scavengedKbPerCall: number;
  readonly fullGcs: number;
  readonly loadAverage: number;
}

async function window(t: Traced, round: number, concurrency: number): Promise<Window> {
  const url = `${t.url}/2015-03-31/functions/noop/invocations`;
  const loadAverage = Number((loadavg()[0] ?? 0).toFixed(2));
  const s0 = t.scavenges;
  const mb0 = t.scavengedMb;
  const f0 = t.fullGcs;
  const r = await runLoad({ url, body: PAYLOAD, concurrency, requests: CALLS });
  await new Promise((done) => setTimeout(done, 200)); // the last trace lines
  const calls = Math.max(1, r.requests);
  const w: Window = {
    name: t.name,
    round,
    concurrency,
    calls: r.requests,
    scavengesPer10kCalls: Math.round(((t.scavenges - s0) / calls) * 10_000 * 10) / 10,
    scavengedKbPerCall: Math.round(((t.scavengedMb - mb0) * 1024 * 100) / calls) / 100,
    fullGcs: t.fullGcs - f0,
    loadAverage,
  };
  log(
    `round ${round} ${t.name} c=${concurrency}: ${w.scavengesPer10kCalls} scavenges per 10k calls, ${w.scavengedKbPerCall} KB scavenged per call, ${w.fullGcs} full GCs (load ${loadAverage})`,
  );
  return w;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const sides: Traced[] = [];
  const windows: Window[] = [];
  try {
    if (before !== undefined) sides.push(await startTraced('before', resolve(before)));
    sides.push(await startTraced('lamina', root));
    for (const t of sides) {
      const url = `${t.url}/2015-03-31/functions/noop/invocations`;
      await runLoad({ url, body: PAYLOAD, concurrency: 1, requests: 1000 });
      await runLoad({ url, body: PAYLOAD, concurrency: 32, durationMs: 3000 });
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? sides : [...sides].reverse();
      for (const t of order) {
        for (const concurrency of [1, 32]) windows.push(await window(t, round, concurrency));
      }
    }
  } finally {
    await Promise.all(sides.map((t) => stopTraced(t)));
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? Number.NaN;
  };
  const medians = Object.fromEntries(
    sides.map((t) => [
      t.name,
      Object.fromEntries(
        [1, 32].map((c) => {
          const mine = windows.filter((w) => w.name === t.name && w.concurrency === c);
          return [
            `c${String(c)}`,
            {
              scavengesPer10kCalls: median(mine.map((w) => w.scavengesPer10kCalls)),
              scavengedKbPerCall: median(mine.map((w) => w.scavengedKbPerCall)),
            },
          ];
        }),
      ),
    ]),
  );
  const out = {
    date: new Date().toISOString(),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
    callsPerWindow: CALLS,
    ...(before === undefined ? {} : { before: resolve(before) }),
    medians,
    windows,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/invoke-gc.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`medians ${JSON.stringify(medians)}`);
  log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

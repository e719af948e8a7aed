import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { cpuOfMainThread, cpuOfProcess } from './cpu-usage.js';

/**
 * bench/decode-workers (ADR 0047): is a code worker cheaper started per job — what the gateway
 * does (code/upload-decode.ts, its unzip-worker entry) — or kept and reused? Both decode the same
 * CreateFunction bodies with the same function (service-kit's decodeUploadBody), in one run,
 * alternating A/B rounds: small bodies (64 KiB zip) and big ones (9 MB zip, 12 MB of JSON).
 * Per job: the main thread's CPU (what the gateway's event loop pays), the whole process's CPU,
 * and the wall time. Writes bench/results/decode-workers.json with the load average.
 *
 *   npm run bench:decode-workers [-- --quick]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 4;
const SMALL_JOBS = quick ? 20 : 50;
const BIG_JOBS = quick ? 2 : 4;
const PER_JOB = new URL('../../services/gateway/dist/code/unzip-worker.js', import.meta.url);
const REUSED = new URL('./decode-loop-worker.js', import.meta.url);
const ZIP_PATH = ['Code', 'ZipFile'];
const round = (n: number): number => Math.round(n * 100) / 100;
const load = (): number[] => loadavg().map((l) => round(l));
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

const bodyOf = (zipBytes: number): Buffer =>
  Buffer.from(
    JSON.stringify({
      FunctionName: 'f',
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/r',
      Code: { ZipFile: Buffer.alloc(zipBytes, 7).toString('base64') },
    }),
  );

const answer = (w: Worker): Promise<unknown> =>
  new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });

async function perJob(body: Buffer): Promise<void> {
  const bytes = new Uint8Array(body);
  const w = new Worker(PER_JOB, {
    workerData: { lamina: 'decode-body', body: bytes, zipPath: ZIP_PATH },
    transferList: [bytes.buffer],
  });
  try {
    await answer(w);
  } finally {
    await w.terminate();
  }
}

function reused(): { run: (body: Buffer) => Promise<void>; stop: () => Promise<number> } {
  const w = new Worker(REUSED);
  return {
    run: async (body) => {
      const bytes = new Uint8Array(body);
      const got = answer(w);
      w.postMessage({ body: bytes, zipPath: ZIP_PATH }, [bytes.buffer]);
      await got;
    },
    stop: () => w.terminate(),
  };
}

interface Cost {
  mainThreadCpuMs: number;
  processCpuMs: number;
  wallMs: number;
}

async function measure(jobs: number, run: () => Promise<void>): Promise<Cost> {
  const main0 = cpuOfMainThread(process.pid);
  const all0 = cpuOfProcess(process.pid);
  const t0 = performance.now();
  for (let i = 0; i < jobs; i++) await run();
  return {
    mainThreadCpuMs: ((cpuOfMainThread(process.pid) - main0) * 1000) / jobs,
    processCpuMs: ((cpuOfProcess(process.pid) - all0) * 1000) / jobs,
    wallMs: (performance.now() - t0) / jobs,
  };
}

const mean = (xs: Cost[]): Cost => ({
  mainThreadCpuMs: round(xs.reduce((n, x) => n + x.mainThreadCpuMs, 0) / xs.length),
  processCpuMs: round(xs.reduce((n, x) => n + x.processCpuMs, 0) / xs.length),
  wallMs: round(xs.reduce((n, x) => n + x.wallMs, 0) / xs.length),
});

async function main(): Promise<void> {
  const loadAtStart = load();
  const sizes = {
    small: { zip: 64 * 1024, jobs: SMALL_JOBS },
    big: { zip: 9_000_000, jobs: BIG_JOBS },
  };
  const result: Record<string, { perJob: Cost; reused: Cost; bodyBytes: number; jobs: number }> =
    {};
  for (const [name, s] of Object.entries(sizes)) {
    const body = bodyOf(s.zip);
    const a: Cost[] = [];
    const b: Cost[] = [];
    await perJob(Buffer.from(body)); // warm the module cache
    for (let r = 0; r < ROUNDS; r++) {
      a.push(await measure(s.jobs, () => perJob(Buffer.from(body))));
      const pool = reused();
      await pool.run(Buffer.from(body)); // its start is not a job's cost
      b.push(await measure(s.jobs, () => pool.run(Buffer.from(body))));
      await pool.stop();
    }
    result[name] = {
      perJob: mean(a),
      reused: mean(b),
      bodyBytes: body.length,
      jobs: s.jobs * ROUNDS,
    };
    log(
      `${name}: per job ${JSON.stringify(result[name].perJob)}, reused ${JSON.stringify(result[name].reused)}`,
    );
  }
  const out = {
    bench: 'decode-workers',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage: { atStart: loadAtStart, atEnd: load() },
    note: 'per job: CPU and wall time of one decode, including Buffer.from of the body (the same in both); "reused" excludes the one worker start',
    ...result,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/decode-workers.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote ${file}`);
}

await main();

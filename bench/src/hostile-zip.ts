import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildZip, startLamina } from '@lamina/testkit';

import { type LoadResult, runLoad } from './load.js';

/**
 * bench/hostile-zip: does refusing a hostile upload stall the gateway's other calls? Local mode;
 * a warm no-op function is invoked in a closed loop (concurrency 4) for the same time twice in
 * one run: once as the baseline (nothing else), once while a second client keeps uploading a
 * 100,000-entry zip (Zip64, ~9 MB, ~12 MB as base64 in CreateFunction's JSON) that the gateway
 * refuses. Writes bench/results/hostile-zip.json: both latency distributions, the uploads
 * refused meanwhile and their answer, the load average. Target (issue #18): p99 < 100 ms while
 * refusing.
 *
 *   npm run bench:hostile-zip [-- --quick]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const PHASE_MS = quick ? 5000 : 15_000;
const CONCURRENCY = 4;
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const round = (n: number): number => Math.round(n * 100) / 100;
const load = (): number[] => loadavg().map((l) => round(l));

const HANDLER = 'exports.handler = async (e) => e;\n';

interface Uploads {
  readonly refused: number;
  readonly answers: readonly string[];
  readonly meanMs: number;
}

/** Posts CreateFunction with the hostile zip in a loop until `stop()`; counts the answers. */
function uploadLoop(url: string, body: string): { stop: () => Promise<Uploads> } {
  const state = { running: true };
  const answers = new Set<string>();
  let refused = 0;
  let totalMs = 0;
  const loop = (async () => {
    while (state.running) {
      const t = performance.now();
      const res = await fetch(`${url}/2015-03-31/functions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await res.text();
      totalMs += performance.now() - t;
      answers.add(
        `${res.status} ${res.headers.get('x-amzn-errortype') ?? ''} ${text.slice(0, 200)}`,
      );
      if (res.status >= 400) refused++;
    }
  })();
  return {
    stop: async () => {
      state.running = false;
      await loop;
      return { refused, answers: [...answers], meanMs: round(totalMs / Math.max(1, refused)) };
    },
  };
}

const summary = (r: LoadResult) => ({
  requests: r.requests,
  errors: r.errors,
  rps: round(r.rps),
  p50Ms: round(r.p50Ms),
  p90Ms: round(r.p90Ms),
  p99Ms: round(r.p99Ms),
  maxMs: round(r.maxMs),
});

async function main(): Promise<void> {
  const loadAtStart = load();
  const lamina = await startLamina();
  try {
    const create = (name: string, zip: Buffer) =>
      fetch(`${lamina.url}/2015-03-31/functions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/r',
          Code: { ZipFile: zip.toString('base64') },
        }),
      });
    const ok = await create('echo', buildZip([{ name: 'index.js', data: HANDLER }]));
    if (ok.status !== 201) throw new Error(`CreateFunction answered ${ok.status}`);
    const invokeUrl = `${lamina.url}/2015-03-31/functions/echo/invocations`;
    const o = { url: invokeUrl, body: '{"n":1}', concurrency: CONCURRENCY };
    log('warm-up');
    await runLoad({ ...o, durationMs: 2000 });

    log('hostile zip: 100,000 entries');
    const hostile = buildZip(
      Array.from({ length: 100_000 }, (_, i) => ({ name: `f${String(i)}`, data: 'x' })),
    );
    const body = JSON.stringify({
      FunctionName: 'hostile',
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/r',
      Code: { ZipFile: hostile.toString('base64') },
    });

    log(`baseline: invoke for ${PHASE_MS} ms`);
    const baseline = await runLoad({ ...o, durationMs: PHASE_MS });
    log(`baseline p50 ${baseline.p50Ms.toFixed(1)} ms, p99 ${baseline.p99Ms.toFixed(1)} ms`);

    log(`while refusing: invoke for ${PHASE_MS} ms, hostile uploads in a loop`);
    const uploads = uploadLoop(lamina.url, body);
    const during = await runLoad({ ...o, durationMs: PHASE_MS });
    const refused = await uploads.stop();
    log(
      `during p50 ${during.p50Ms.toFixed(1)} ms, p99 ${during.p99Ms.toFixed(1)} ms; ${String(refused.refused)} uploads refused`,
    );

    const result = {
      bench: 'hostile-zip',
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage: { atStart: loadAtStart, atEnd: load() },
      hostileZip: { entries: 100_000, zipBytes: hostile.length, requestBytes: body.length },
      concurrency: CONCURRENCY,
      phaseMs: PHASE_MS,
      baseline: summary(baseline),
      whileRefusing: summary(during),
      uploads: refused,
      targetP99Ms: 100,
      targetMet: during.p99Ms < 100,
    };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    const file = join(root, 'bench/results/hostile-zip.json');
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${file}`);
  } finally {
    await lamina.stop();
  }
}

await main();

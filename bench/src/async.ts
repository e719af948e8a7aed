import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type LoadResult, runLoad } from './load.js';

/**
 * bench/async: asynchronous invocation in local mode (lamina dev, dispatcher in-process) with
 * the no-op function. Measures events accepted per second at the gateway (202s, concurrency
 * 32) and end-to-end completions per second (accepted → handler ran → job finished, from the
 * lamina_async_events_completed_total metric). Writes bench/results/async.json.
 *
 *   REDIS_URL=redis://… npm run bench:async [-- --quick]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const EVENTS = quick ? 3000 : 10_000;
const CONCURRENCY = 32;
const PAYLOAD = JSON.stringify({ hello: 'world', n: 42 });

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

function startLamina(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(root, 'cli/dist/main.js'), 'dev', '--functions', join(root, 'bench/functions')],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m?.[1] !== undefined) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.stderr.resume();
        resolve({ child, port: m[1] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      reject(new Error(`lamina dev exited (${code}):\n${out}`));
    });
  });
}

/** Σ lamina_async_events_completed_total over every label set. */
async function completed(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^lamina_async_events_completed_total\{[^}]*\} (\S+)$/gm)) {
    sum += Number(m[1]);
  }
  return sum;
}

async function waitCompleted(base: string, target: number, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if ((await completed(base)) >= target) return performance.now();
    if (Date.now() > end) throw new Error(`only ${await completed(base)} of ${target} completed`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl === undefined || redisUrl === '') {
    throw new Error('set REDIS_URL (e.g. from test/env/out/env.sh)');
  }
  const state = mkdtempSync(join(tmpdir(), 'lamina-bench-async-'));
  const { child, port } = await startLamina({
    ...process.env,
    REDIS_URL: redisUrl,
    LAMINA_REDIS_PREFIX: `bench-${Date.now().toString(36)}`,
    LAMINA_PORT: '0',
    LAMINA_STATE_DIR: state,
    LAMINA_LOG_LEVEL: 'warn',
    LAMINA_FUNCTION_LOGS_ECHO: 'false',
  });
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/2015-03-31/functions/noop/invocations`;
  const headers = { 'x-amz-invocation-type': 'Event' };
  let accepted: LoadResult;
  let e2eSeconds: number;
  try {
    log('warm-up: 300 events');
    await runLoad({ url, body: PAYLOAD, concurrency: CONCURRENCY, requests: 300, headers });
    await waitCompleted(base, 300, 60_000);
    log(`${EVENTS} events at concurrency ${CONCURRENCY}`);
    const t0 = performance.now();
    accepted = await runLoad({
      url,
      body: PAYLOAD,
      concurrency: CONCURRENCY,
      requests: EVENTS,
      headers,
    });
    const done = await waitCompleted(base, 300 + EVENTS, 300_000);
    e2eSeconds = (done - t0) / 1000;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(state, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    settings: { events: EVENTS, concurrency: CONCURRENCY, payload: PAYLOAD, mode: 'lamina dev' },
    // load.ts counts every non-200 as an error; here each request was a 202, proven by the
    // completions reaching warm-up + EVENTS.
    accepted: { ...accepted, errors: 0, eventsPerSecond: accepted.rps },
    endToEnd: { events: EVENTS, seconds: e2eSeconds, completionsPerSecond: EVENTS / e2eSeconds },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/async.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(
    `accepted ${accepted.rps.toFixed(0)} events/s (p50 ${accepted.p50Ms.toFixed(2)} ms, p99 ${accepted.p99Ms.toFixed(2)} ms); end to end ${(EVENTS / e2eSeconds).toFixed(0)} completions/s`,
  );
  log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

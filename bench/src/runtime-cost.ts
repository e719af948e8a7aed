import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { usageOfTree } from './cpu-usage.js';

/**
 * bench/runtime-cost: what Lamina's Node.js runtime itself spends per invocation, alone on an
 * upgraded Runtime API connection served by a stub that answers at once (no gateway, no other
 * environments), next to a bare `node` child echoing the same bytes over the same kind of
 * connection (the floor of any process woken per call). CPU and wake-ups of the child only,
 * from /proc, over CALLS calls after a warm-up. Optional V8/Node flags for the runtime are
 * compared in the same run: `--flags "--single-threaded"` (repeatable).
 * Writes bench/results/runtime-cost.json.
 *
 * Each is measured alone and 32 at once (each on its own connection, one call at a time: what
 * bench/invoke's concurrency 32 asks of the environments, without the gateway). With
 * `--before <checkout>` the runtime of another built checkout (e.g. the main branch) is measured
 * in the same rounds.
 *
 *   npm run bench:runtime-cost [-- --quick] [--before /work/main] [--parallel <n>] [--warm <calls>]
 *     [--flags "<node flags>"]…
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const CALLS = quick ? 5000 : 20_000;
const warmAt = process.argv.indexOf('--warm');
/** Calls per child before the measurement starts (its hot path compiled by then). */
const WARM = warmAt > 0 ? Number(process.argv[warmAt + 1]) : 500;
const PAYLOAD = JSON.stringify({ hello: 'world', n: 42 });
const flagSets = process.argv.flatMap((a, i) =>
  process.argv[i - 1] === '--flags' ? [a.split(' ').filter((f) => f !== '')] : [],
);
const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
/** 1: a runtime alone; 32: as many at once as bench/invoke's concurrency (cold caches, scheduler). */
const parallelAt = process.argv.indexOf('--parallel');
const PARALLEL = parallelAt > 0 ? [Number(process.argv[parallelAt + 1])] : [1, 32];

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

const SWITCHING =
  'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: lamina-runtime-api\r\n\r\n';
const ACCEPTED =
  'HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\nContent-Type: application/json\r\n\r\n{"status":"OK"}\n';

/** The answer to a `/next`: one invocation of the no-op function, as the Runtime API writes it. */
function event(n: number): string {
  return (
    `HTTP/1.1 200 OK\r\nContent-Length: ${PAYLOAD.length}\r\nContent-Type: application/json\r\n` +
    `Lambda-Runtime-Aws-Request-Id: req-${n}\r\nLambda-Runtime-Deadline-Ms: ${Date.now() + 60_000}\r\n` +
    'Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:noop\r\n' +
    // A trace id of its own per call, as the gateway sends (the runtime puts it in its environment).
    `Lambda-Runtime-Trace-Id: Root=1-00000000-${String(n).padStart(24, '0')};Sampled=0\r\n\r\n${PAYLOAD}`
  );
}

interface Cost {
  readonly child: string;
  /** Children served at once, each one call at a time (1, or `--parallel`). */
  readonly parallel: number;
  readonly cpuUsPerCall: number;
  readonly wakeupsPerCall: number;
  readonly wallUsPerCall: number;
}

/**
 * Serves `calls` invocations to `parallel` children that `start` spawns, each on its own
 * connection and one call at a time; their CPU and wake-ups per call (all children together).
 */
function measure(
  label: string,
  runtime: boolean,
  start: (port: number) => ChildProcess,
  parallel: number,
) {
  const calls = CALLS;
  const warm = WARM * parallel;
  return new Promise<Cost>((resolve, reject) => {
    let served = 0;
    const children: ChildProcess[] = [];
    let mark = { cpu: 0, wakeups: 0, at: 0 };
    const usage = (): { cpu: number; wakeups: number } => {
      let cpu = 0;
      let wakeups = 0;
      for (const child of children) {
        const p = usageOfTree(child.pid ?? 0).find((u) => u.pid === child.pid);
        cpu += p?.cpuSeconds ?? 0;
        wakeups += p?.wakeups ?? 0;
      }
      return { cpu, wakeups };
    };
    const server = createServer((socket: Socket) => {
      socket.setNoDelay(true);
      let first = true;
      socket.on('data', () => {
        if (served === warm) mark = { ...usage(), at: performance.now() };
        if (served === warm + calls) {
          const now = usage();
          const per = (n: number): number => Math.round((n / calls) * 100) / 100;
          resolve({
            child: label,
            parallel,
            cpuUsPerCall: per((now.cpu - mark.cpu) * 1e6),
            wakeupsPerCall: per(now.wakeups - mark.wakeups),
            wallUsPerCall: per((performance.now() - mark.at) * 1000),
          });
          for (const child of children) child.kill();
          server.close();
          return;
        }
        if (served > warm + calls) return;
        // The runtime's first request asks to upgrade; later ones carry a /response and a /next.
        const head = !runtime ? '' : first ? SWITCHING : ACCEPTED;
        first = false;
        socket.write(head + event(served++));
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      for (let i = 0; i < parallel; i++) {
        const child = start(typeof addr === 'object' && addr ? addr.port : 0);
        child.once('error', reject);
        children.push(child);
      }
    });
  });
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const task = mkdtempSync(join(tmpdir(), 'lamina-runtime-cost-'));
  writeFileSync(join(task, 'index.mjs'), 'export const handler = async (event) => event;\n');
  const runtime =
    (flags: readonly string[], checkout = root) =>
    (port: number) =>
      spawn(process.execPath, [...flags, join(checkout, 'runtimes/nodejs/dist/bootstrap.js')], {
        cwd: task,
        stdio: 'inherit',
        env: {
          PATH: process.env['PATH'] ?? '',
          AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
          _HANDLER: 'index.handler',
          LAMBDA_TASK_ROOT: task,
          AWS_LAMBDA_FUNCTION_NAME: 'noop',
        },
      });
  // Echoes as many bytes as a runtime's answer, once per event it reads.
  const echo = (port: number) =>
    spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:net').connect(${port}, '127.0.0.1'); s.setNoDelay(true);
         s.write('GET / HTTP/1.1\\r\\n\\r\\n'); s.on('data', (d) => s.write(d.subarray(0, 250)));`,
      ],
      { stdio: 'inherit' },
    );
  const results: Cost[] = [];
  try {
    // Interleaved rounds: the machine's load moves between them.
    for (const parallel of PARALLEL) {
      for (let round = 0; round < 2; round++) {
        results.push(await measure('echo child (floor)', false, echo, parallel));
        if (before !== undefined) {
          const checkout = resolve(before);
          results.push(
            await measure(`lamina runtime of ${checkout}`, true, runtime([], checkout), parallel),
          );
        }
        results.push(await measure('lamina runtime', true, runtime([]), parallel));
        for (const flags of flagSets) {
          const label = `lamina runtime ${flags.join(' ')}`;
          results.push(await measure(label, true, runtime(flags), parallel));
        }
      }
    }
  } finally {
    rmSync(task, { recursive: true, force: true });
  }
  for (const r of results) {
    log(
      `${r.child} x${r.parallel}: ${r.cpuUsPerCall} us CPU, ${r.wakeupsPerCall} wake-ups, ${r.wallUsPerCall} us wall per call`,
    );
  }
  const out = {
    date: new Date().toISOString(),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
    calls: CALLS,
    ...(before === undefined ? {} : { before: resolve(before) }),
    results,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/runtime-cost.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

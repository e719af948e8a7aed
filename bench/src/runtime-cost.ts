import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
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
 *   node bench/dist/runtime-cost.js [--quick] [--flags "<node flags>"]…
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const CALLS = quick ? 5000 : 20_000;
const WARM = 2000;
const PAYLOAD = JSON.stringify({ hello: 'world', n: 42 });
const flagSets = process.argv.flatMap((a, i) =>
  process.argv[i - 1] === '--flags' ? [a.split(' ').filter((f) => f !== '')] : [],
);

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
    `Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\r\n${PAYLOAD}`
  );
}

interface Cost {
  readonly child: string;
  readonly cpuUsPerCall: number;
  readonly wakeupsPerCall: number;
  readonly wallUsPerCall: number;
}

/** Serves `CALLS` invocations to the child `start` spawns; its CPU and wake-ups per call. */
function measure(label: string, runtime: boolean, start: (port: number) => ChildProcess) {
  return new Promise<Cost>((resolve, reject) => {
    let served = 0;
    let child: ChildProcess | undefined;
    let mark = { cpu: 0, wakeups: 0, at: 0 };
    const usage = (): { cpu: number; wakeups: number } => {
      const p = usageOfTree(child?.pid ?? 0).find((u) => u.pid === child?.pid);
      return { cpu: p?.cpuSeconds ?? 0, wakeups: p?.wakeups ?? 0 };
    };
    const server = createServer((socket: Socket) => {
      socket.setNoDelay(true);
      let first = true;
      socket.on('data', () => {
        if (served === WARM) mark = { ...usage(), at: performance.now() };
        if (served === WARM + CALLS) {
          const now = usage();
          const per = (n: number): number => Math.round((n / CALLS) * 100) / 100;
          resolve({
            child: label,
            cpuUsPerCall: per((now.cpu - mark.cpu) * 1e6),
            wakeupsPerCall: per(now.wakeups - mark.wakeups),
            wallUsPerCall: per((performance.now() - mark.at) * 1000),
          });
          child?.kill();
          server.close();
          return;
        }
        // The runtime's first request asks to upgrade; later ones carry a /response and a /next.
        const head = !runtime ? '' : first ? SWITCHING : ACCEPTED;
        first = false;
        socket.write(head + event(served++));
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      child = start(typeof addr === 'object' && addr ? addr.port : 0);
      child.once('error', reject);
    });
  });
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const task = mkdtempSync(join(tmpdir(), 'lamina-runtime-cost-'));
  writeFileSync(join(task, 'index.mjs'), 'export const handler = async (event) => event;\n');
  const bootstrap = join(root, 'runtimes/nodejs/dist/bootstrap.js');
  const runtime = (flags: readonly string[]) => (port: number) =>
    spawn(process.execPath, [...flags, bootstrap], {
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
    for (let round = 0; round < 2; round++) {
      results.push(await measure('echo child (floor)', false, echo));
      results.push(await measure('lamina runtime', true, runtime([])));
      for (const flags of flagSets) {
        results.push(await measure(`lamina runtime ${flags.join(' ')}`, true, runtime(flags)));
      }
    }
  } finally {
    rmSync(task, { recursive: true, force: true });
  }
  for (const r of results) {
    log(
      `${r.child}: ${r.cpuUsPerCall} us CPU, ${r.wakeupsPerCall} wake-ups, ${r.wallUsPerCall} us wall per call`,
    );
  }
  const out = {
    date: new Date().toISOString(),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
    calls: CALLS,
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

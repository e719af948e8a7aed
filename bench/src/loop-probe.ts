/**
 * A preload for the process under test (`NODE_OPTIONS=--import …/loop-probe.js`): measures how
 * long its main event loop is blocked (perf_hooks' monitorEventLoopDelay, 1 ms resolution) and,
 * on SIGUSR2, writes the delays since the last signal to the file named by
 * LAMINA_BENCH_LOOP_FILE (JSON, milliseconds), then starts a new window. Benches signal it at
 * phase boundaries, so each phase gets its own distribution.
 *
 * Invariants: only the main thread of the process that first reads the variable is probed — the
 * variable and the preload are removed from its environment at once, so worker threads and the
 * function processes it spawns later are not; it never keeps the process alive.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env['LAMINA_BENCH_LOOP_FILE'];
if (isMainThread && file !== undefined && file !== '') {
  delete process.env['LAMINA_BENCH_LOOP_FILE'];
  delete process.env['NODE_OPTIONS'];
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  process.on('SIGUSR2', () => {
    writeFileSync(
      file,
      JSON.stringify({
        samples: h.count,
        p50Ms: ms(h.percentile(50)),
        p99Ms: ms(h.percentile(99)),
        maxMs: ms(h.max),
        meanMs: ms(h.mean),
      }),
    );
    h.reset();
  });
}

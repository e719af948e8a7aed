import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { testEnv } from '@lamina/testkit';

import { ROOT } from './cluster.js';

export interface WorkerImage {
  /** e.g. `lamina/worker-nodejs22:0.1.0-1a2b3c4d`. */
  readonly ref: string;
  /** What the operator's LAMINA_WORKER_IMAGE_PREFIX / _TAG take. */
  readonly prefix: string;
  readonly tag: string;
}

/** Runs a command with its stderr passed through (progress), returning stdout. */
function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${file} ${args.join(' ')} exited with ${String(code)}`));
    });
  });
}

/**
 * Builds the worker image of a runtime (runtimes/images/build-worker.sh; kept when its tag
 * exists) and loads it into the test node's containerd (test/env/load-image), so pods run it
 * without any registry.
 */
export async function workerImage(runtime = 'nodejs22.x'): Promise<WorkerImage> {
  const out = await run(join(ROOT, 'runtimes/images/build-worker.sh'), [runtime]);
  const ref = out.trim().split('\n').at(-1)?.trim() ?? '';
  const match = /^(.+)-[a-z0-9.]+:([^:/]+)$/.exec(ref);
  if (match === null) throw new Error(`build-worker.sh printed no image reference: ${out}`);
  await run(testEnv.require('LAMINA_TEST_LOAD_IMAGE'), [ref]);
  return { ref, prefix: match[1] ?? '', tag: match[2] ?? '' };
}

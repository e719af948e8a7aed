/**
 * The gateway's code workers (ADR 0047): worker threads (unzip-worker.ts) that decode big upload
 * bodies and unpack zips, leased one job at a time inside a slot of the decode pool
 * (decode-pool.ts) and kept for the next job. bench/decode-workers: starting a worker costs
 * ~65 ms of CPU (a Node.js environment and the module), a reused one under 1 ms per small job.
 *
 * Invariants: a worker runs one job at a time, and only while its lease holds a pool slot; a
 * lease ends exactly once — `done` (the job answered cleanly: the worker waits for the next, at
 * most the pool's size of them, unreferenced so they never keep the process alive) or `kill`
 * (aborted, timed out, failed, or a job that may have left state behind: the worker is ended);
 * an idle worker that exits is forgotten.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { decodePool } from './decode-pool.js';
import type { CodeWorkerData } from './unzip-worker.js';

const OWN_EXTENSION = extname(fileURLToPath(import.meta.url));
/** The code worker's entry, next to this module with its extension (`.ts`, `.js`, `.mjs`). */
export const WORKER_URL = new URL(`./unzip-worker${OWN_EXTENSION}`, import.meta.url);
/** From the sources (tests): Node.js 22 before 22.18 strips types only when asked. */
export const WORKER_EXEC_ARGV =
  OWN_EXTENSION === '.ts' ? ['--experimental-strip-types'] : undefined;

export interface CodeWorkerLease {
  /** The worker's thread id (a reused worker keeps its id). */
  readonly threadId: number;
  /** Posts a job message (or a streamed body's chunk, or its closing `null`); throws (and kills). */
  post(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  /** The worker's next message; rejects when it fails or exits first, or after `timeoutMs`. */
  answer<T>(timeoutMs: number, what: string): Promise<T>;
  /** `answer`, then `done` — or `kill` when it failed: for a job whose every answer is clean. */
  result<T>(timeoutMs: number, what: string): Promise<T>;
  /** The job answered cleanly: the worker is kept for the next job; the slot is given back. */
  done(): void;
  /** Anything else: the worker is ended; the slot is given back. */
  kill(): Promise<void>;
}

const idle: Worker[] = [];

function startWorker(): Worker {
  const data: CodeWorkerData = { lamina: 'code-worker' };
  const worker = new Worker(WORKER_URL, {
    workerData: data,
    ...(WORKER_EXEC_ARGV === undefined ? {} : { execArgv: WORKER_EXEC_ARGV }),
  });
  const forget = (): void => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  };
  worker.on('exit', forget);
  worker.on('error', forget); // a job's own listener reports it; never an unhandled 'error'
  return worker;
}

/**
 * A code worker for one job, once the decode pool has a slot (TooManyRequestsException when its
 * queue is full; `signal` aborted while waiting: rejects with its reason).
 */
export async function leaseCodeWorker(signal?: AbortSignal): Promise<CodeWorkerLease> {
  const release = await decodePool.acquire(signal);
  let worker: Worker;
  try {
    worker = idle.pop() ?? startWorker();
  } catch (err) {
    release();
    throw err;
  }
  worker.ref();
  let ended = false;
  const lease: CodeWorkerLease = {
    threadId: worker.threadId,
    post: (message, transfer = []) => {
      try {
        worker.postMessage(message, [...transfer]);
      } catch (err) {
        void lease.kill(); // a message that cannot be sent ends the job
        throw err;
      }
    },
    result: async <T>(timeoutMs: number, what: string) => {
      let answered: T;
      try {
        answered = await lease.answer<T>(timeoutMs, what);
      } catch (err) {
        await lease.kill();
        throw err;
      }
      lease.done();
      return answered;
    },
    answer: <T>(timeoutMs: number, what: string) =>
      new Promise<T>((resolve, reject) => {
        const cleanup = (): void => {
          clearTimeout(timer);
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        const onMessage = (m: T): void => {
          cleanup();
          resolve(m);
        };
        const onError = (err: Error): void => {
          cleanup();
          reject(err);
        };
        const onExit = (code: number): void => {
          cleanup();
          reject(new Error(`the code worker exited (${String(code)}) without an answer`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${what} did not finish within ${String(timeoutMs)} ms`));
        }, timeoutMs);
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
      }),
    done: () => {
      if (ended) return;
      ended = true;
      if (idle.length < decodePool.size) {
        worker.unref();
        idle.push(worker);
      } else {
        void worker.terminate();
      }
      release();
    },
    kill: async () => {
      if (ended) return;
      ended = true;
      try {
        await worker.terminate();
      } finally {
        release();
      }
    },
  };
  return lease;
}

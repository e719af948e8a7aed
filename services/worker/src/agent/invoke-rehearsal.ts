/**
 * A generic pod's dress rehearsal of its first call (issue #15, ADR 0019/0032): while the pod is
 * still generic, the agent runs one invocation through the same machinery a specialised pod's
 * first call takes — its WorkerAgent, the pod's one-environment pool, an execution environment
 * with its Runtime API server, `/next`, `/response` and the result — against a throwaway
 * `provided` runtime of a few lines that it writes itself, then stops it. The first run of that
 * path in a fresh Node.js pays for lazy compilation (measured on the host: the first call after a
 * specialisation 30–50 ms slower than the next, beyond its Init Duration); rehearsed once, a
 * cold call's first invocation runs warm code.
 *
 * Invariants: nothing of any function is involved (its code is written here, into a private
 * folder under the pod's code cache, removed afterwards); the parked runtime is never touched (the
 * rehearsal's environment spawns its own process and stops it, and never sweeps the pod's other
 * processes, which would include the parked runtime); its logs go to a silent logger,
 * so no START/REPORT of a function that does not exist reaches the pod's log; a failure is logged
 * once and ignored (the real call works or fails on its own).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { WorkerLogger } from '../types.js';
import type { AgentConfig } from './config.js';
import type { WorkerAgent } from './worker-agent.js';

/** The rehearsal's function: a `provided` runtime answering `{}` to every event. */
export const REHEARSAL_TARGET = { functionName: 'lamina-rehearsal', version: '$LATEST' } as const;

/** The runtime loop of the rehearsal, over node:http only (no fetch: it would load undici). */
const RUNTIME_SOURCE = `import { request } from 'node:http';
const [host, port] = (process.env.AWS_LAMBDA_RUNTIME_API ?? '').split(':');
const call = (method, path, body) => new Promise((resolve, reject) => {
  const req = request({ host, port, method, path }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.headers));
  });
  req.on('error', reject);
  req.end(body);
});
for (;;) {
  const headers = await call('GET', '/2018-06-01/runtime/invocation/next');
  const id = headers['lambda-runtime-aws-request-id'];
  await call('POST', '/2018-06-01/runtime/invocation/' + id + '/response', '{}');
}
`;

/** A generic pod's configuration turned into the rehearsal function's (no code hash, no layers). */
export function rehearsalConfig(config: AgentConfig): AgentConfig {
  return {
    ...config,
    ...REHEARSAL_TARGET,
    runtime: 'provided.al2023',
    handler: 'rehearsal',
    memorySizeMb: 128,
    timeoutSeconds: 10,
    ephemeralStorageMb: 512,
    codeSha256Hex: undefined,
    codeToken: undefined,
    layers: [],
    layerTokens: [],
    initAtStart: false,
    initializationType: 'on-demand',
    generic: false,
    runtimeApiPort: undefined,
    // Its own runtime leaves nothing behind, and a sweep of the pod (`kill(-1)`) would also kill
    // the parked runtime booting beside it. (Closing a pod's environment does not sweep today;
    // this keeps the rehearsal clear of it should a broken rehearsal runtime ever be discarded.)
    killStrays: false,
  };
}

export interface InvokeRehearsalOptions {
  /** The pod's writable code cache; the rehearsal's folder is made and removed under it. */
  readonly cacheDir: string;
  /** The Node.js binary the throwaway runtime runs on (the agent's own). */
  readonly node: string;
  /** The agent a version pod would have, serving REHEARSAL_TARGET from `codeDir`. */
  readonly agentFor: (codeDir: string) => WorkerAgent;
  readonly logger: WorkerLogger;
}

/** Runs one invocation through a throwaway environment; its duration (ms), or undefined. */
export async function rehearseInvoke(o: InvokeRehearsalOptions): Promise<number | undefined> {
  const dir = path.join(o.cacheDir, `.rehearsal-${randomBytes(6).toString('hex')}`);
  const started = performance.now();
  let agent: WorkerAgent | undefined;
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await writeFile(path.join(dir, 'runtime.mjs'), RUNTIME_SOURCE);
    const bootstrap = path.join(dir, 'bootstrap');
    await writeFile(bootstrap, `#!/bin/sh\nexec '${o.node}' ./runtime.mjs\n`);
    await chmod(bootstrap, 0o755);
    agent = o.agentFor(dir);
    const slot = agent.claim(REHEARSAL_TARGET);
    if (!('run' in slot)) throw new Error(`the rehearsal was refused: ${slot.message}`);
    const result = await slot.run({
      requestId: randomUUID(),
      invokedFunctionArn: `arn:aws:lambda:::function:${REHEARSAL_TARGET.functionName}`,
      payload: Buffer.from('{}'),
      tailLog: false,
    });
    if (result.functionError !== undefined) {
      throw new Error(`the rehearsal's runtime failed: ${result.errorType ?? 'unknown'}`);
    }
    return performance.now() - started;
  } catch (err) {
    o.logger.warn({ err }, 'rehearsing the first call failed; the first call runs cold');
    return undefined;
  } finally {
    await agent?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { FunctionVersionConfig, Invocation, InvocationResult } from '@lamina/core';
import { afterEach, describe, expect, it } from 'vitest';

import { makeFn, quietLogger } from '../test-support/fixtures.js';
import { loadConfig } from './config.js';
import { REHEARSAL_TARGET, rehearsalConfig, rehearseInvoke } from './invoke-rehearsal.js';
import { WorkerAgent } from './worker-agent.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cache(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'lamina-invoke-rehearsal-'));
  dirs.push(d);
  return d;
}

/** An agent whose pool records what it ran and what its code dir held at that moment. */
function agentOver(answer: Partial<InvocationResult> = {}) {
  const seen: { fn: FunctionVersionConfig; invocation: Invocation; files: string[] }[] = [];
  let closed = 0;
  const agentFor = (dir: string): WorkerAgent =>
    new WorkerAgent({
      target: REHEARSAL_TARGET,
      pool: {
        invoke: (fn, invocation) => {
          seen.push({ fn, invocation, files: readdirSync(dir).sort() });
          return Promise.resolve({
            payload: Buffer.from('{}'),
            executedVersion: fn.version,
            coldStart: true,
            durationMs: 1,
            ...answer,
          });
        },
        close: () => {
          closed++;
          return Promise.resolve();
        },
      },
      lookup: () =>
        Promise.resolve({
          kind: 'ready',
          fn: makeFn({ name: REHEARSAL_TARGET.functionName, codeDir: dir }),
        }),
      logger: quietLogger,
    });
  return { agentFor, seen, closed: () => closed };
}

describe('rehearseInvoke', () => {
  it('runs one call of a throwaway runtime it writes, closes the agent and removes the folder', async () => {
    const dir = cache();
    const a = agentOver();
    const ms = await rehearseInvoke({
      cacheDir: dir,
      node: '/usr/bin/node-of-the-agent',
      agentFor: a.agentFor,
      logger: quietLogger,
    });
    expect(ms).toBeGreaterThan(0);
    expect(a.seen).toHaveLength(1);
    expect(a.seen[0]?.files).toEqual(['bootstrap', 'runtime.mjs']);
    expect(a.seen[0]?.invocation.payload.toString()).toBe('{}');
    expect(a.closed()).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a runtime that failed and resolves', async () => {
    const warned: string[] = [];
    const a = agentOver({ functionError: 'Unhandled', errorType: 'Runtime.ExitError' });
    const ms = await rehearseInvoke({
      cacheDir: cache(),
      node: process.execPath,
      agentFor: a.agentFor,
      logger: { ...quietLogger, warn: (_o: object, msg?: string) => warned.push(msg ?? '') },
    });
    expect(ms).toBeUndefined();
    expect(warned).toEqual(['rehearsing the first call failed; the first call runs cold']);
  });

  it('makes a provided runtime of no code, no layers and no init at start from a generic config', () => {
    const generic = loadConfig({
      LAMINA_WORKER_GENERIC: 'true',
      LAMINA_RUNTIME: 'nodejs22.x',
      LAMINA_CODE_URL: 'http://gateway',
      LAMINA_KILL_STRAYS: 'true',
    });
    const c = rehearsalConfig(generic);
    expect(c).toMatchObject({
      functionName: 'lamina-rehearsal',
      version: '$LATEST',
      runtime: 'provided.al2023',
      codeSha256Hex: undefined,
      layers: [],
      initAtStart: false,
      generic: false,
      // A sweep of the pod would also kill the parked runtime booting beside it.
      killStrays: false,
    });
    expect(generic.killStrays).toBe(true);
  });
});

describe('the rehearsal runtime', () => {
  it('is a runtime loop over node:http (no fetch, no undici)', async () => {
    const dir = cache();
    const a = agentOver();
    let source = '';
    await rehearseInvoke({
      cacheDir: dir,
      node: process.execPath,
      agentFor: (d) => {
        const agent = a.agentFor(d);
        source = readFileSync(path.join(d, 'runtime.mjs'), 'utf8');
        expect(readFileSync(path.join(d, 'bootstrap'), 'utf8')).toContain(process.execPath);
        return agent;
      },
      logger: quietLogger,
    });
    expect(source).toContain("from 'node:http'");
    expect(source).not.toMatch(/\bfetch\(/);
    expect(existsSync(dir)).toBe(true);
  });
});

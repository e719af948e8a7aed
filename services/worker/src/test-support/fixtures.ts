/** Test helpers: the built Node.js runtime, handler fixtures and function configs. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionVersionConfig, Invocation } from '@lamina/core';
import { uniqueName } from '@lamina/testkit';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const runtimeDir = path.join(repoRoot, 'runtimes/nodejs');

export const fixturesDir = path.resolve(here, '../../fixtures');
export const basicDir = path.join(fixturesDir, 'basic');
export const bootstrapPath = path.join(runtimeDir, 'dist/bootstrap.js');
export const nodeCommand: readonly string[] = [process.execPath, bootstrapPath];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const upToDate = (): boolean =>
  existsSync(bootstrapPath) &&
  statSync(bootstrapPath).mtimeMs >= newestMtime(path.join(runtimeDir, 'src'));

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds runtimes/nodejs when its dist is missing or older than its sources (the worker does not
 * depend on it, so turbo does not build it first). Test files run in parallel: a lock directory
 * makes one build and the others wait for it.
 */
export function ensureRuntimeBuilt(): void {
  if (upToDate()) return;
  const lock = path.join(runtimeDir, '.build-lock');
  try {
    mkdirSync(lock);
  } catch {
    for (let waited = 0; existsSync(lock) && waited < 60_000; waited += 100) sleepSync(100);
    if (upToDate()) return;
    rmSync(lock, { recursive: true, force: true });
    mkdirSync(lock);
  }
  try {
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', path.join(runtimeDir, 'tsconfig.build.json')], {
      stdio: 'inherit',
    });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function makeFn(overrides: Partial<FunctionVersionConfig> = {}): FunctionVersionConfig {
  const name = overrides.name ?? uniqueName('fn');
  return {
    name,
    version: '$LATEST',
    runtime: 'nodejs22.x',
    handler: 'echo.handler',
    memorySize: 256,
    timeout: 3,
    ephemeralStorage: 512,
    environment: {},
    codeDir: basicDir,
    codeSha256: 'sha',
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    region: 'us-east-1',
    ...overrides,
  };
}

export function makeInvocation(payload: unknown, overrides: Partial<Invocation> = {}): Invocation {
  return {
    requestId: randomUUID(),
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
    payload: Buffer.from(JSON.stringify(payload)),
    tailLog: false,
    ...overrides,
  };
}

export const parse = (b: Buffer): unknown => JSON.parse(b.toString());

const ignore = (): void => undefined;

/** A logger that drops everything. */
export const quietLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Whether a process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

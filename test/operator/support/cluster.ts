import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { testEnv, uniqueName } from '@lamina/testkit';

const run = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** kubectl of the test environment (built with the control plane), else the one on PATH. */
export function kubectlPath(): string {
  const bin = testEnv.optional('LAMINA_TEST_BIN');
  if (bin !== undefined && existsSync(join(bin, 'kubectl'))) return join(bin, 'kubectl');
  return 'kubectl';
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; never throws on a non-zero exit (the result says). */
export function command(
  file: string,
  args: readonly string[],
  input?: string,
  env: Record<string, string> = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: testEnv.forChild(env), cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
    // A command that exits without reading its input (install-helm.sh when cached) makes this
    // write fail with EPIPE; unhandled, that fails the whole Vitest run. The exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** kubectl against the test cluster (KUBECONFIG from env.sh). */
export function kubectl(args: readonly string[], input?: string): Promise<CommandResult> {
  testEnv.require('KUBECONFIG');
  return command(kubectlPath(), args, input);
}

/** kubectl that must succeed; returns stdout. */
export async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export async function getJson<T>(args: readonly string[]): Promise<T | undefined> {
  const r = await kubectl([...args, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
}

/** Installs (server-side applies) the generated CRDs and waits until they are Established. */
export async function installCrds(): Promise<void> {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(ROOT, 'deploy/crds')]);
  await kubectlOk([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/functions.lamina.dev',
    'crd/functionversions.lamina.dev',
    'crd/aliases.lamina.dev',
    'crd/eventsourcemappings.lamina.dev',
  ]);
}

export async function createNamespace(prefix: string): Promise<string> {
  const ns = uniqueName(prefix);
  await kubectlOk(['create', 'namespace', ns]);
  return ns;
}

export async function deleteNamespace(ns: string): Promise<void> {
  await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
}

/** Builds @lamina/kube and @lamina/operator so the operator can run as a real process. */
export async function buildOperator(): Promise<void> {
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  await run(tsc, ['-p', join(ROOT, 'packages/core/tsconfig.build.json')], { cwd: ROOT });
  await run(tsc, ['-p', join(ROOT, 'packages/kube/tsconfig.build.json')], { cwd: ROOT });
  await run(tsc, ['-p', join(ROOT, 'operator/tsconfig.build.json')], { cwd: ROOT });
}

export interface OperatorProcess {
  readonly identity: string;
  readonly child: ChildProcess;
  /** Everything it logged so far (pino JSON lines). */
  logs(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** Starts `node operator/dist/main.js` watching one namespace, with its Lease there too. */
export function startOperator(o: {
  namespace: string;
  identity: string;
  leaseName?: string;
  env?: Record<string, string>;
}): OperatorProcess {
  const child = spawn(process.execPath, [join(ROOT, 'operator/dist/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      KUBECONFIG: testEnv.require('KUBECONFIG'),
      LAMINA_WATCH_NAMESPACE: o.namespace,
      LAMINA_LEASE_NAMESPACE: o.namespace,
      LAMINA_LEASE_NAME: o.leaseName ?? 'lamina-operator',
      LAMINA_OPERATOR_IDENTITY: o.identity,
      LAMINA_HTTP_PORT: '0',
      LAMINA_LOG_LEVEL: 'debug',
      // The test node pulls nothing (no registry here): worker images are loaded into it.
      LAMINA_WORKER_IMAGE_PULL_POLICY: 'Never',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? -1);
    });
  });
  return { identity: o.identity, child, logs: () => out, exited };
}

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { testEnv } from '@lamina/testkit';

export const root = fileURLToPath(new URL('../../..', import.meta.url));
export const functionsDir = join(root, 'test/runtimes/functions');
export const cacheRoot = testEnv.cacheDir();
export const JDK17 = '/usr/lib/jvm/java-17-openjdk-amd64';

/**
 * Runs test/runtimes/setup.sh (idempotent; minutes only on a machine that never ran it), with its
 * progress on this process's stderr. Asynchronous, so the test worker stays responsive meanwhile.
 */
export function setupRuntimes(...parts: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'test/runtimes/setup.sh'), parts, {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new Error(`test/runtimes/setup.sh ${parts.join(' ')}: ${String(code ?? signal)}`));
    });
  });
}

/** Runs a command asynchronously: its stdout; stderr passes through (progress). */
export function runCommand(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = testEnv.forChild(),
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${command}: ${String(code ?? signal)}`));
    });
  });
}

/** A .zip of a directory's contents (modes kept), made with Info-ZIP's `zip`. */
export function zipDir(dir: string): Buffer {
  return execFileSync('zip', ['-qr', '-X', '-', '.'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
}

/** Where runtimes/java/setup.sh copied the official Java runtime interface client and its deps. */
export function javaRicLib(): string {
  const dir = readdirSync(join(cacheRoot, 'runtimes/java')).find((d) => d.startsWith('ric-'));
  if (dir === undefined) throw new Error('runtimes/java/setup.sh has not run');
  return join(cacheRoot, 'runtimes/java', dir, 'lib');
}

/**
 * The Java conformance function as Lambda takes a .zip: compiled classes at the root and the
 * handler interfaces' jar in lib/.
 */
export function javaConformanceZip(): Buffer {
  const lib = javaRicLib();
  const core = readdirSync(lib).find((f) => f.startsWith('aws-lambda-java-core-'));
  if (core === undefined) throw new Error(`no aws-lambda-java-core jar in ${lib}`);
  const out = mkdtempSync(join(tmpdir(), 'lamina-java-'));
  try {
    mkdirSync(join(out, 'lib'));
    copyFileSync(join(lib, core), join(out, 'lib', core));
    execFileSync(join(JDK17, 'bin/javac'), [
      '--release',
      '17',
      '-cp',
      join(lib, core),
      '-d',
      out,
      join(functionsDir, 'java/conformance/Handler.java'),
    ]);
    return zipDir(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function createFunction(
  client: LambdaClient,
  input: Omit<CreateFunctionCommandInput, 'Role'>,
): Promise<void> {
  await client.send(
    new CreateFunctionCommand({ Role: 'arn:aws:iam::000000000000:role/test', ...input }),
  );
}

export interface Invoked {
  readonly status: number | undefined;
  readonly functionError: string | undefined;
  readonly body: unknown;
  readonly raw: string;
  /** The last 4 KB of the log (LogType Tail). */
  readonly log: string;
}

export async function invoke(
  client: LambdaClient,
  name: string,
  payload: unknown,
): Promise<Invoked> {
  const out = await client.send(
    new InvokeCommand({
      FunctionName: name,
      Payload: Buffer.from(JSON.stringify(payload)),
      LogType: 'Tail',
    }),
  );
  const raw = Buffer.from(out.Payload ?? []).toString('utf8');
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // not JSON: keep the text
  }
  return {
    status: out.StatusCode,
    functionError: out.FunctionError,
    body,
    raw,
    log: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8'),
  };
}

/** `Max Memory Used: N MB` of a REPORT line. */
export function maxMemoryUsed(log: string): number | undefined {
  const m = /Max Memory Used: (\d+) MB/.exec(log);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

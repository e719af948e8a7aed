/**
 * The runtime of a container-image function in local mode (ADR 0028): the image run by Docker
 * with its own ENTRYPOINT/CMD (or the ImageConfig overrides), on the host's network, so the
 * official runtime interface client inside it reaches the environment's Runtime API on
 * 127.0.0.1 like any runtime process. Its output is the `docker run` client's, so logs, Tail and
 * the exit code work as for a process.
 *
 * Invariants: the container is named, and killing or stopping the runtime also removes that
 * container (a SIGKILL to the client alone would leave it running); variable values reach
 * `docker run` through its environment (`-e NAME`), never its command line; only the function's
 * own variables and Lambda's reserved ones are passed, not the host's.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

import { type FunctionImage, ResourceNotReadyException } from '@lamina/core';

import {
  type RuntimeHandle,
  type RuntimeLauncher,
  type RuntimeProcessOptions,
  RuntimeProcess,
} from './runtime-process.js';

const execFileP = promisify(execFile);

/** The runtime's variables a container gets: Lambda's own and the function's. */
const PASSED = /^(AWS_|_X_AMZN_TRACE_ID$|TZ$)/;
/** Set by the image itself (AWS base images), or meaningless inside it. */
const IMAGE_OWNED = new Set(['AWS_EXECUTION_ENV', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR']);

export interface DockerRuntimeOptions {
  readonly image: FunctionImage;
  /** The function's own variables (passed besides Lambda's reserved ones). */
  readonly functionEnvironment: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  /** The Docker client; default `docker` on PATH. */
  readonly docker?: string;
}

/** The `docker run` arguments of one environment (exported for tests). */
export function dockerRunArgs(
  name: string,
  o: DockerRuntimeOptions,
  env: Readonly<Record<string, string>>,
): string[] {
  const names = Object.keys(env).filter(
    (k) => !IMAGE_OWNED.has(k) && (PASSED.test(k) || k in o.functionEnvironment),
  );
  const [entry, ...entryArgs] = o.image.entryPoint ?? [];
  return [
    'run',
    '--rm',
    '--name',
    name,
    '--network',
    'host',
    '--memory',
    `${String(o.memoryMb)}m`,
    ...names.flatMap((k) => ['-e', k]),
    ...(entry === undefined ? [] : ['--entrypoint', entry]),
    ...(o.image.workingDirectory === undefined ? [] : ['--workdir', o.image.workingDirectory]),
    o.image.uri,
    // `--entrypoint` takes one word: the entry point's other words go before the command.
    ...entryArgs,
    ...(o.image.command ?? []),
  ];
}

/** A runtime launcher that runs the image through Docker instead of spawning `command`. */
export function dockerLauncher(o: DockerRuntimeOptions): RuntimeLauncher {
  return (p: RuntimeProcessOptions): RuntimeHandle => {
    const docker = o.docker ?? 'docker';
    const name = `lamina-${randomBytes(6).toString('hex')}`;
    const child = new RuntimeProcess({
      ...p,
      command: [docker, ...dockerRunArgs(name, o, p.env)],
      cwd: process.cwd(),
      // The client needs its own PATH/HOME/DOCKER_HOST; the values of `-e NAME` come from here.
      env: { ...clientEnv(p.env), ...p.env },
    });
    const remove = (): Promise<unknown> =>
      execFileP(docker, ['rm', '-f', name]).catch(() => undefined);
    return {
      spawnedAt: child.spawnedAt,
      get pid() {
        return child.pid;
      },
      get exit() {
        return child.exit;
      },
      // The container's memory is Docker's (`--memory`), not the client's.
      memory: () => undefined,
      killAboveMemory: () => undefined,
      kill: () => {
        child.kill();
        void remove();
      },
      stop: async () => {
        await Promise.all([child.stop(), remove()]);
      },
    };
  };
}

/** What the Docker client itself needs from the host. */
function clientEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_CONTEXT']) {
    const v = env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * Resolves when a Docker daemon answers; else rejects with the error an invoke of an image
 * function answers in local mode, naming what is missing.
 */
export async function assertDocker(docker = 'docker'): Promise<void> {
  try {
    await execFileP(docker, ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why =
      e.code === 'ENOENT'
        ? `the Docker client (${docker}) is not on PATH`
        : `the Docker daemon does not answer: ${(e.stderr ?? e.message).trim().split('\n')[0] ?? ''}`;
    throw new ResourceNotReadyException(
      `Container image functions (PackageType Image) run through Docker in local mode, and ${why}. Install Docker or use a .zip package.`,
    );
  }
}

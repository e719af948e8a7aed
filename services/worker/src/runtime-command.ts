import path from 'node:path';

import type { RuntimeCommand } from './types.js';

/**
 * What to spawn for a runtime: its command with its interpreter's options after the first word,
 * for a function of `memoryMb` (undefined: a generic runtime, its function not known yet).
 */
export function spawnCommandOf(r: RuntimeCommand, memoryMb: number | undefined): readonly string[] {
  const [first, ...rest] = r.command;
  const options = r.interpreterOptions?.(memoryMb) ?? [];
  return first === undefined || options.length === 0 ? r.command : [first, ...options, ...rest];
}

/** LAMBDA_RUNTIME_DIR of a runtime: its own, else the folder of its command's second word. */
export function runtimeDirOf(r: RuntimeCommand): string {
  return r.runtimeDir ?? path.dirname(r.command[1] ?? r.command[0] ?? '');
}

/** Host paths a runtime needs inside a sandbox: its own list, else its command's absolute paths. */
export function runtimePathsOf(r: RuntimeCommand): readonly string[] {
  return r.sandboxPaths ?? r.command.filter((w) => path.isAbsolute(w));
}

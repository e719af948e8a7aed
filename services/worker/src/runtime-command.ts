import path from 'node:path';

import type { RuntimeCommand } from './types.js';

/**
 * The options Lambda's Node.js bootstrap starts `node` with (the managed runtimes'
 * `/var/runtime/bootstrap`): `global.gc` exposed, HTTP headers up to 80 KiB, and the V8 heap sized
 * from the function's memory — a tenth of it for the young generation (half of that per
 * semi-space), the rest for the old one. A runtime started before its function is known (a
 * pre-warmed generic one) gets the first two only: its heap is sized by V8's defaults.
 * runtimes/images/nodejs.bootstrap applies the same rule in the runtime images.
 */
export function lambdaNodeOptions(memoryMb: number | undefined): readonly string[] {
  const always = ['--expose-gc', '--max-http-header-size=81920'];
  if (memoryMb === undefined) return always;
  const newSpace = Math.floor(memoryMb / 10);
  return [
    ...always,
    `--max-semi-space-size=${String(Math.floor(newSpace / 2))}`,
    `--max-old-space-size=${String(memoryMb - newSpace)}`,
  ];
}

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

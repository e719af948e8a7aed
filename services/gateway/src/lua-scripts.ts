/**
 * Reads the gateway's Lua scripts (`services/gateway/scripts/*.lua`, BullMQ's header habit).
 *
 * Invariant: this file stays at the top of `src/`, so `../scripts/` resolves the same from
 * `src/` (tests), `dist/` (the package build) and the image bundle's `dist/main.mjs`
 * (images/bundle.mjs copies the scripts to `../scripts/` beside it).
 */
import { readFileSync } from 'node:fs';

export function readLuaScript(file: string): string {
  return readFileSync(new URL(`../scripts/${file}`, import.meta.url), 'utf8');
}

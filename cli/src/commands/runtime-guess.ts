/**
 * Guesses runtime and handler of a code folder for `lamina deploy DIR` when the flags are not
 * given: `index.js`/`index.mjs` → nodejs22.x `index.handler`; `lambda_function.py` / `app.py` →
 * python3.11 with `lambda_handler` / `handler`. A .zip or anything else: no guess.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function guessRuntime(path: string): { runtime: string; handler: string } | undefined {
  if (!statSync(path).isDirectory()) return undefined;
  if (existsSync(join(path, 'index.js')) || existsSync(join(path, 'index.mjs')))
    return { runtime: 'nodejs22.x', handler: 'index.handler' };
  if (existsSync(join(path, 'lambda_function.py')))
    return { runtime: 'python3.11', handler: 'lambda_function.lambda_handler' };
  if (existsSync(join(path, 'app.py'))) return { runtime: 'python3.11', handler: 'app.handler' };
  return undefined;
}

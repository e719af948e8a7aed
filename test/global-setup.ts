import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Loads the endpoints that `test/env/up` wrote (test/env/out/env.sh) into the
 * environment of the integration run. Variables already set win, so a developer can point
 * the suites elsewhere.
 */
export default function setup(): void {
  const file = fileURLToPath(new URL('./env/out/env.sh', import.meta.url));
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export\s+([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    const value = m[2].replace(/^['"]|['"]$/g, '');
    process.env[m[1]] ??= value;
  }
}

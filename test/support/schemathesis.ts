/**
 * schemathesis (PyPI, MIT licence) for the fuzzing suite: a venv cached under
 * ~/.cache/lamina/schemathesis-<version>, made with the host's python3 and pip on first use
 * (pip is the registry's ordinary client), reused afterwards: the first fuzzing run on a machine
 * pays for the install (about a minute), every later one finds it.
 *
 * Invariant: the version is pinned; a venv is used only once its `schemathesis` entry point
 * exists (an interrupted install is redone, not trusted).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SCHEMATHESIS_VERSION = '4.32.5';

/** The path of the `schemathesis` command, installing the pinned version when missing. */
export async function schemathesisBin(): Promise<string> {
  const venv = join(homedir(), '.cache', 'lamina', `schemathesis-${SCHEMATHESIS_VERSION}`);
  const bin = join(venv, 'bin', 'schemathesis');
  if (existsSync(bin)) return bin;
  await run('python3', ['-m', 'venv', venv]);
  await run(
    join(venv, 'bin', 'pip'),
    ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`],
    {
      timeout: 600_000,
    },
  );
  if (!existsSync(bin)) throw new Error(`schemathesis was not installed in ${venv}`);
  return bin;
}

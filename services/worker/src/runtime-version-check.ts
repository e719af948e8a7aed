import { execFile } from 'node:child_process';

/** Returns the binary's `--version` output (e.g. `v22.23.3`), or undefined if it cannot be run. */
export type VersionProbe = (executable: string) => Promise<string | undefined>;

export const execVersionProbe: VersionProbe = (executable) =>
  new Promise((resolve) => {
    execFile(executable, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      resolve(err === null ? stdout.trim() : undefined);
    });
  });

/**
 * Compares a `nodejsNN.x` runtime id with the major version of the Node.js binary configured for
 * it. Returns a warning line when they differ, undefined when they match or it does not apply.
 */
export async function checkNodeMajor(
  runtimeId: string,
  executable: string,
  probe: VersionProbe,
): Promise<string | undefined> {
  const wanted = /^nodejs(\d+)\.x$/.exec(runtimeId)?.[1];
  if (wanted === undefined) return undefined;
  const version = await probe(executable);
  const actual = version === undefined ? undefined : /^v?(\d+)\./.exec(version)?.[1];
  if (actual === wanted) return undefined;
  return actual === undefined
    ? `WARNING Runtime ${runtimeId}: could not read the version of ${executable}; expected Node.js ${wanted}.`
    : `WARNING Runtime ${runtimeId} runs on Node.js ${version ?? ''} (${executable}), not Node.js ${wanted}: behaviour may differ from Lambda's.`;
}

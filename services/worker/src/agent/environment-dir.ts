import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Lambda's rule for variable names (`[a-zA-Z]([a-zA-Z0-9_])+`). */
const NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/;

export interface EnvironmentDirContents {
  /** Name → value (the file's bytes as UTF-8, unchanged). */
  readonly variables: Readonly<Record<string, string>>;
  /** Entries that are not variables, with the reason, for the log. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * Reads the function's variables from a directory of one file per variable: the projected
 * Secret volume the operator mounts. Entries starting with `.` are the volume's own
 * (`..data`, `..2026_…`) and are skipped silently; names Lambda would refuse and anything that
 * is not a file are skipped and reported. A missing directory means no variables.
 */
export async function readEnvironmentDir(dir: string | undefined): Promise<EnvironmentDirContents> {
  if (dir === undefined) return { variables: {}, skipped: [] };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { variables: {}, skipped: [] };
    throw err;
  }
  const variables: Record<string, string> = {};
  const skipped: { name: string; reason: string }[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    if (!NAME.test(name)) {
      skipped.push({ name, reason: 'not a valid variable name ([a-zA-Z][a-zA-Z0-9_]+)' });
      continue;
    }
    try {
      // readFile follows the volume's symlinks (name -> ..data/name).
      variables[name] = await readFile(path.join(dir, name), 'utf8');
    } catch (err) {
      skipped.push({ name, reason: (err as NodeJS.ErrnoException).code ?? String(err) });
    }
  }
  return { variables, skipped };
}

/**
 * Packs a function's folder into a .zip the way `sam build`/`zip -r` would, but reproducibly:
 * entries sorted by path, a fixed timestamp and Unix modes (the executable bit survives for
 * `bootstrap` files). The same folder always gives the same bytes, so its SHA-256 equals the
 * CodeSha256 Lamina reports when nothing changed — that is how `deploy` knows code is unchanged.
 *
 * Invariants: no `.git` or `.lamina` folders; symbolic links are followed; at most 65535 entries
 * and 4 GiB (no ZIP64) — Lambda's own limits are far lower.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import { packZip } from '@lamina/service-kit/pack-zip';

const SKIP = new Set(['.git', '.lamina', '.aws-sam']);

function filesOf(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(dir).sort()) {
    if (SKIP.has(entry)) continue;
    const full = join(dir, entry);
    const st = statSync(full);
    if (st.isDirectory()) filesOf(root, full, out);
    else if (st.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

/** The folder's files as a deflated .zip. */
export function zipFolder(root: string): Buffer {
  const names: string[] = [];
  filesOf(root, root, names);
  names.sort();
  if (names.length > 0xffff) throw new Error(`${root} holds more than 65535 files`);
  return packZip(
    names.map((name) => {
      const full = join(root, ...name.split('/'));
      return { name, data: readFileSync(full), mode: statSync(full).mode & 0o777 };
    }),
  );
}

/** A folder is zipped; a .zip file is read as it is. */
export function codeOf(path: string): Buffer {
  const st = statSync(path);
  if (st.isDirectory()) return zipFolder(path);
  return readFileSync(path);
}

import { stat } from 'node:fs/promises';
import path from 'node:path';

const HEX = /^[0-9a-f]{64}$/;

/** Where the function's unpacked code is, or why the pod has none. */
export type CodeLocation =
  | { readonly kind: 'found'; readonly dir: string }
  | {
      readonly kind: 'missing';
      readonly reason: string;
      /** Not a failure: the first fetch is still running (the pod is starting). */
      readonly pending?: true;
    };

/** The code directory `<store>/<hex>/` as the gateway's disk code store lays it out. */
export function codeDirOf(storeDir: string, sha256Hex: string): string {
  return path.join(storeDir, sha256Hex);
}

/** Looks for the unpacked code of `sha256Hex` in the code store mounted at `storeDir`. */
export async function locateCode(
  storeDir: string | undefined,
  sha256Hex: string | undefined,
): Promise<CodeLocation> {
  if (sha256Hex === undefined) {
    return { kind: 'missing', reason: 'LAMINA_CODE_SHA256 is not set (the function has no code)' };
  }
  if (!HEX.test(sha256Hex)) {
    return { kind: 'missing', reason: `LAMINA_CODE_SHA256 is not a hex SHA-256: ${sha256Hex}` };
  }
  if (storeDir === undefined) {
    return { kind: 'missing', reason: 'LAMINA_CODE_DIR is not set (no code store is mounted)' };
  }
  const dir = codeDirOf(storeDir, sha256Hex);
  try {
    const s = await stat(dir);
    if (s.isDirectory()) return { kind: 'found', dir };
    return { kind: 'missing', reason: `${dir} is not a directory` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return {
      kind: 'missing',
      reason: `code ${sha256Hex} is not in the code store (${dir}: ${code})`,
    };
  }
}

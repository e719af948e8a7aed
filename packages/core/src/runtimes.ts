/**
 * The runtime list, read from the one place it is spelled (runtimes.json, which the image
 * scripts read too): which runtime identifiers Lamina knows, which of them local mode can
 * start (and what it needs for that), which have a runtime and worker image, and which are
 * refused everywhere (`unavailable`, with the reason a caller is told).
 *
 * Invariants: ids are unique and in the file's order; `family` is one of the four the
 * platform knows how to start; the JSON is checked once when this module loads, so a broken
 * edit fails every import at once instead of one runtime at a time.
 */
import list from './runtimes.json' with { type: 'json' };

export type RuntimeFamily = 'nodejs' | 'python' | 'java' | 'provided';

export interface RuntimeInfo {
  /** Lambda's identifier, e.g. `nodejs22.x`, `python3.11`, `provided.al2023`. */
  readonly id: string;
  readonly family: RuntimeFamily;
  /** The language version (`22`, `3.11`, `17`) or the base (`al2023`). */
  readonly version: string;
  /** `lamina dev` can start it (where its interpreter is installed). */
  readonly local: boolean;
  /** What local mode needs to start it, as a caller is told when it is missing. */
  readonly requires?: string;
  /** The runtime image (`lamina/runtime-python:3.11`, without its revision), when it has one. */
  readonly image?: string;
  /** Why no installation can run it; such a runtime is refused by every validation. */
  readonly unavailable?: string;
}

const FAMILIES: readonly string[] = ['nodejs', 'python', 'java', 'provided'];

function checked(entries: readonly Record<string, unknown>[]): readonly RuntimeInfo[] {
  const seen = new Set<string>();
  return entries.map((e) => {
    const { id, family, version, local, requires, image, unavailable } = e;
    if (typeof id !== 'string' || seen.has(id))
      throw new Error(`runtimes.json: bad id ${String(id)}`);
    if (typeof family !== 'string' || !FAMILIES.includes(family))
      throw new Error(`runtimes.json: ${id} has an unknown family`);
    if (typeof version !== 'string' || typeof local !== 'boolean')
      throw new Error(`runtimes.json: ${id} needs a version and local`);
    for (const [key, value] of Object.entries({ requires, image, unavailable })) {
      if (value !== undefined && typeof value !== 'string')
        throw new Error(`runtimes.json: ${id} has a bad ${key}`);
    }
    seen.add(id);
    return Object.freeze({
      id,
      family: family as RuntimeFamily,
      version,
      local,
      ...(typeof requires === 'string' ? { requires } : {}),
      ...(typeof image === 'string' ? { image } : {}),
      ...(typeof unavailable === 'string' ? { unavailable } : {}),
    });
  });
}

/** Every runtime Lamina knows, in the file's order. */
export const RUNTIMES: readonly RuntimeInfo[] = Object.freeze(checked(list.runtimes));

/**
 * The options Lambda's Node.js bootstrap starts `node` with (the managed runtimes'
 * `/var/runtime/bootstrap`): `global.gc` exposed, HTTP headers up to 80 KiB, and the V8 heap sized
 * from the function's memory — a tenth of it for the young generation (half of that per
 * semi-space), the rest for the old one. A runtime started before its function is known (a
 * pre-warmed generic one) gets the first two only: its heap is sized by V8's defaults.
 * runtimes/images/nodejs.bootstrap applies the same rule in the runtime images (ADR 0061).
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

/**
 * A worker pod's layers (ADR 0020): each layer's content, by hex SHA-256, from the code route
 * over HTTP (code-fetch.ts, with the pod's per-hash token, into the code cache) or from the
 * mounted code store, copied in order into the pod's own `/opt` (an emptyDir), so a later layer's
 * file replaces an earlier one's, as Lambda extracts layers.
 *
 * Invariants:
 * - `/opt` is complete before the runtime starts: `ensure()` resolves only after every layer is
 *   in place and a marker naming the ordered list is written last; a marker already there (a
 *   restarted container on the same emptyDir) means nothing is copied again.
 * - A layer is used only after its SHA-256 matched (code-fetch.ts); a failed attempt leaves no
 *   marker, and the next `ensure()` starts over (the pod stays unready and says why meanwhile).
 * - Attempts never overlap; after success the result is remembered.
 */
import { cp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { fetchCode } from './code-fetch.js';
import type { AgentConfig } from './config.js';

export interface LayerInstallOptions {
  /** Hex SHA-256s, in merge order. */
  readonly layers: readonly string[];
  /** The pod's `/opt`. */
  readonly optDir: string;
  /** Code over HTTP: the code route and the per-layer tokens (same order as `layers`). */
  readonly http?: {
    readonly baseUrl: string;
    readonly tokens: readonly (string | undefined)[];
    readonly cacheDir: string;
  };
  /** Else the mounted code store: a layer is unpacked at `<storeDir>/<hex>/`. */
  readonly storeDir?: string;
}

const MARKER = '.lamina-layers';

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Installs the pod's layers into its `/opt`; see the file comment. */
export class LayerInstall {
  private done: Promise<string> | undefined;

  constructor(private readonly o: LayerInstallOptions) {}

  /** Resolves with the `/opt` folder once every layer is in it; rejects with the reason. */
  ensure(): Promise<string> {
    this.done ??= this.install().catch((err: unknown) => {
      this.done = undefined;
      throw err;
    });
    return this.done;
  }

  private async install(): Promise<string> {
    const { optDir, layers } = this.o;
    const list = `${layers.join('\n')}\n`;
    const marker = path.join(optDir, MARKER);
    if ((await readFile(marker, 'utf8').catch(() => undefined)) === list) return optDir;
    // A partial copy of an earlier attempt: start from an empty /opt.
    for (const entry of await readdir(optDir).catch(() => [])) {
      await rm(path.join(optDir, entry), { recursive: true, force: true });
    }
    for (const [i, hex] of layers.entries()) {
      const source = await this.source(hex, i);
      await cp(source, optDir, { recursive: true, force: true, verbatimSymlinks: true });
    }
    await writeFile(marker, list);
    return optDir;
  }

  private async source(hex: string, index: number): Promise<string> {
    const { http, storeDir } = this.o;
    if (http !== undefined) {
      return fetchCode({
        baseUrl: http.baseUrl,
        sha256Hex: hex,
        token: http.tokens[index],
        cacheDir: http.cacheDir,
      });
    }
    const dir = storeDir === undefined ? undefined : path.join(storeDir, hex);
    if (dir === undefined || !(await isDir(dir))) {
      throw new Error(
        `layer ${hex} is not in the code store${dir === undefined ? '' : ` (${dir})`}`,
      );
    }
    return dir;
  }
}

/** The pod's layer install, or undefined when the function has no layers. */
export function layerInstallOf(config: AgentConfig): LayerInstall | undefined {
  if (config.layers.length === 0) return undefined;
  const { codeUrl } = config;
  return new LayerInstall({
    layers: config.layers,
    optDir: config.optDir,
    ...(codeUrl === undefined
      ? {}
      : {
          http: {
            baseUrl: codeUrl,
            tokens: config.layers.map((_, i) => config.layerTokens[i]),
            cacheDir: config.codeCacheDir,
          },
        }),
    ...(config.codeStoreDir === undefined ? {} : { storeDir: config.codeStoreDir }),
  });
}

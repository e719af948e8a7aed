import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import {
  type CodeStore,
  type FunctionCode,
  type FunctionManifest,
  type FunctionRecord,
  lambdaTimestamp,
  parseFunctionManifests,
  validateFunctionSpec,
} from '@lamina/core';

import { hashDirectory } from '../code/hash-directory.js';
import type { StoreLogger } from './store-logger.js';

export interface ManifestLoaderDeps {
  readonly codeStore: CodeStore;
  readonly supportedRuntimes: readonly string[];
  readonly logger: StoreLogger;
}

const HEX = /^[0-9a-f]{64}$/;

/** A UUID-shaped id derived from content, so every process gives a manifest the same one. */
function revisionIdOf(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

async function codeOf(
  manifest: FunctionManifest,
  file: string,
  codeStore: CodeStore,
): Promise<FunctionCode> {
  if (manifest.codePath !== undefined) {
    const location = resolve(dirname(file), manifest.codePath);
    const st = await stat(location).catch(() => undefined);
    if (st?.isDirectory() !== true) {
      throw new Error(`spec.code.path ${manifest.codePath} is not a folder (${location})`);
    }
    const digest = await hashDirectory(location);
    return { sha256: digest.sha256, size: digest.size, location };
  }
  const hex = (manifest.codeSha256 ?? '').toLowerCase();
  if (!HEX.test(hex)) throw new Error('spec.code.sha256 must be 64 hex digits');
  const artifact = await codeStore.get(hex);
  if (artifact === undefined) throw new Error(`code ${hex} is not in the code store`);
  return { sha256: artifact.sha256, size: artifact.size, location: artifact.dir };
}

/**
 * Why a manifest is unusable, in one line for the person who wrote it: the message only. A
 * stack trace points into Lamina, not at the manifest, and a user's error is not a crash.
 */
function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * The function records a manifest file defines. A file that does not parse defines nothing; a
 * function that fails validation or whose code cannot be found is skipped. Both are logged with
 * the file's path and the reason in one line (no stack trace), never thrown: one bad file must
 * not stop the others from loading.
 */
export async function loadManifestFile(
  file: string,
  text: string,
  mtime: Date,
  deps: ManifestLoaderDeps,
): Promise<FunctionRecord[]> {
  let manifests: FunctionManifest[];
  try {
    manifests = parseFunctionManifests(text, file);
  } catch (err) {
    // The parser names the file itself; it is named once, in front.
    const reason = reasonOf(err).replace(`${file}: `, '');
    deps.logger.error({ file, reason }, `skipping manifest ${file}: ${reason}`);
    return [];
  }
  const records: FunctionRecord[] = [];
  for (const manifest of manifests) {
    const name = typeof manifest.input.name === 'string' ? manifest.input.name : undefined;
    try {
      const spec = validateFunctionSpec(manifest.input, deps.supportedRuntimes);
      const code = await codeOf(manifest, file, deps.codeStore);
      records.push({
        spec,
        code,
        lastModified: lambdaTimestamp(mtime),
        revisionId: revisionIdOf(file, text, spec.name, code.sha256),
        state: 'Active',
        lastUpdateStatus: 'Successful',
        tags: {},
        source: 'manifest',
      });
    } catch (err) {
      const reason = reasonOf(err);
      deps.logger.error(
        { file, function: name, reason },
        `skipping function ${name ?? '(no name)'} of manifest ${file}: ${reason}`,
      );
    }
  }
  return records;
}

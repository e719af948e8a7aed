/**
 * A container-image function as a user builds one (ADR 0028): FROM a Lamina runtime image
 * (runtimes/images/build.sh), the code in /var/task and the handler as CMD, the image's own
 * ENTRYPOINT (/lambda-entrypoint.sh, the official runtime interface client) untouched. Built
 * locally with Docker, never pushed; tags are unique per call so each build is a new image.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { uniqueName } from '@lamina/testkit';

import { dockerOk, run } from './docker.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Docker answers here (the image suites skip cleanly without it). */
export const haveDocker = (): boolean =>
  spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;

/** The nodejs22.x runtime image's tag, built when missing (build.sh is idempotent). */
export async function nodeRuntimeImage(): Promise<string> {
  const r = await run(join(ROOT, 'runtimes/images/build.sh'), ['nodejs22.x']);
  if (r.code !== 0) throw new Error(`runtimes/images/build.sh nodejs22.x: ${r.stderr}`);
  const tag = r.stdout.trim().split('\n').at(-1)?.trim() ?? '';
  if (tag === '') throw new Error('runtimes/images/build.sh printed no tag');
  return tag;
}

/**
 * Builds `lamina-test/<name>:<tag>` FROM the nodejs runtime image with `index.mjs` as the code
 * and `CMD ["index.handler"]`; returns the reference.
 */
export async function buildFunctionImage(
  base: string,
  name: string,
  indexMjs: string,
): Promise<string> {
  const ctx = mkdtempSync(join(tmpdir(), 'lamina-fn-image-'));
  const ref = `lamina-test/${name}:${uniqueName('t')}`;
  try {
    writeFileSync(join(ctx, 'index.mjs'), indexMjs);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM ${base}\nCOPY index.mjs /var/task/index.mjs\nCMD ["index.handler"]\n`,
    );
    await dockerOk(['build', '-q', '-t', ref, ctx]);
    return ref;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** A handler that answers with `marker` and what it saw of its environment. */
export const markerHandler = (marker: string): string =>
  `export const handler = async (event, context) => {
  if (event.crash) process.exit(3);
  console.log('marker ' + ${JSON.stringify(marker)} + ' ' + context.awsRequestId);
  return {
    marker: ${JSON.stringify(marker)},
    event,
    fn: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    greeting: process.env.GREETING,
    requestId: context.awsRequestId,
    cwd: process.cwd(),
  };
};
`;

#!/usr/bin/env node
// Bundles the composition root of each platform service — its sources, the workspace packages it
// imports (aliased to their sources, so a bundle never lags a stale dist/) and its npm
// dependencies — into one ESM file, the way services/worker/scripts/bundle-agent.mjs bundles the
// worker agent (ADR 0014). What the service reads from disk at run time is copied next to it, in
// the layout the code expects relative to the bundle's own URL:
//
//   images/dist/<service>/dist/main.mjs   the bundle (the package's dist/main.js)  → /opt/lamina/dist/
//   images/dist/gateway/scripts/*.lua     admission's Lua (read from ../scripts)    → /opt/lamina/scripts/
//   images/dist/gateway/console-ui/       the web console (../console-ui, ADR 0038)  → /opt/lamina/console-ui/
//   images/dist/<service>/dist/<worker>.mjs  worker-thread entries, found next to main.mjs
//
// images/build.sh copies images/dist/<service>/ to /opt/lamina/ in lamina/<service>. Usage:
//   node images/bundle.mjs [gateway|operator|dispatcher|poller ...]   (default: all four)
// Progress on stderr; each staging directory on stdout, one a line.
import { cp, readdir, rm } from 'node:fs/promises';

import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundleNode } from '../scripts/bundle-node.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Each service: its package, its composition root, the files it reads next to the code and its
 * worker-thread entry points (each bundled on its own as dist/<basename>.mjs; the code starts
 * them from `./<basename>.mjs` relative to its own URL).
 */
const SERVICES = {
  gateway: {
    pkg: 'services/gateway',
    entry: 'src/main.ts',
    assets: ['scripts'],
    workers: ['src/code/unzip-worker.ts'],
    console: 'console-ui',
  },
  operator: { pkg: 'operator', entry: 'src/main.ts', assets: [] },
  dispatcher: { pkg: 'services/dispatcher', entry: 'src/main.ts', assets: [] },
  poller: { pkg: 'services/poller', entry: 'src/main.ts', assets: [] },
};

const workspacePackages = {
  '@lamina/core': 'packages/core/src/index.ts',
  '@lamina/kube': 'packages/kube/src/index.ts',
  '@lamina/service-kit': 'packages/service-kit/src/index.ts',
  // A subpath needs its own alias: esbuild would append `/unpack-zip` to the index file's path.
  '@lamina/service-kit/unpack-zip': 'packages/service-kit/src/unpack-zip.ts',
};

// Optional native add-ons, each loaded inside a try/catch with a pure-JS fallback: left out of
// the bundle, the require fails at run time and the fallback is used.
const optionalNative = ['bufferutil', 'utf-8-validate', 'msgpackr-extract'];

async function bundle(name) {
  const service = SERVICES[name];
  const pkg = path.join(root, service.pkg);
  const stage = path.join(root, 'images/dist', name);
  const outfile = path.join(stage, 'dist/main.mjs');
  for (const asset of service.assets) {
    await rm(path.join(stage, asset), { recursive: true, force: true });
    await cp(path.join(pkg, asset), path.join(stage, asset), { recursive: true });
  }
  const common = {
    tsconfig: path.join(pkg, 'tsconfig.build.json'),
    alias: Object.fromEntries(
      Object.entries(workspacePackages).map(([k, v]) => [k, path.join(root, v)]),
    ),
    external: optionalNative,
  };
  const { bytes, modules } = await bundleNode({
    ...common,
    entry: path.join(pkg, service.entry),
    outfile,
  });
  for (const worker of service.workers ?? []) {
    await bundleNode({
      ...common,
      entry: path.join(pkg, worker),
      outfile: path.join(stage, 'dist', `${path.basename(worker, '.ts')}.mjs`),
    });
  }
  if (service.console !== undefined) await stageConsole(path.join(pkg, service.console), stage);
  process.stderr.write(
    `bundled ${name}: ${path.relative(process.cwd(), outfile)} (${Math.round(bytes / 1024)} KiB, ${modules} modules)\n`,
  );
  return stage;
}

/**
 * The web console as the gateway's build makes it (console-ui/tsconfig.json): each module
 * transpiled as it is (the browser loads them as ES modules) plus the static files.
 */
async function stageConsole(src, stage) {
  const out = path.join(stage, 'console-ui');
  await rm(out, { recursive: true, force: true });
  const modules = (await readdir(path.join(src, 'src'))).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
  );
  await build({
    entryPoints: modules.map((f) => path.join(src, 'src', f)),
    outdir: out,
    format: 'esm',
    target: 'es2022',
    bundle: false,
    logLevel: 'warning',
  });
  await cp(path.join(src, 'static'), out, { recursive: true });
}

const names = process.argv.slice(2);
for (const name of names) {
  if (!Object.hasOwn(SERVICES, name)) {
    process.stderr.write(`unknown service ${name} (${Object.keys(SERVICES).join(', ')})\n`);
    process.exit(2);
  }
}
const stages = await Promise.all(
  (names.length > 0 ? names : Object.keys(SERVICES)).map((n) => bundle(n)),
);
process.stdout.write(stages.map((s) => `${s}\n`).join(''));

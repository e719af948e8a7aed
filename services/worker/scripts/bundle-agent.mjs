#!/usr/bin/env node
// Bundles the worker agent (src/agent/main.ts) and everything it imports — the worker package,
// @lamina/core, @lamina/kube's worker-pod contract and @lamina/service-kit's unpack-zip and signals (from
// their sources), pino, zod, prom-client, yauzl — into one ESM file, dist/agent.mjs (next to tsc's output, so ignored and cached
// alike), so a worker image needs only a Node.js binary and this file (ADR 0014). Run by
// `npm run build`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundleNode } from '../../../scripts/bundle-node.mjs';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(pkg, 'dist/agent.mjs');
const coreSrc = path.resolve(pkg, '../../packages/core/src');

/**
 * What the agent does not run must not cost its start (ADR 0019: a pod's start is on a cold
 * call's path, on a fraction of a CPU). Two trims, both invisible to the code:
 * - @lamina/core's modules and `yaml` are side-effect free, so a core module the agent does not
 *   use is left out with its top-level work (zod schemas, the manifest parser's `yaml`);
 * - Node.js built-ins imported by ESM code are loaded through `require`: an ESM import makes
 *   Node.js build the built-in's ESM facade, which reads every export, and `node:http`'s
 *   WebSocket/EventSource getters then load undici (~25 ms of CPU the agent never uses).
 */
const startTrims = {
  name: 'lamina-agent-start-trims',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.trims === true) return undefined;
      const ours = args.importer.startsWith(coreSrc) || args.path.startsWith(coreSrc);
      if (!ours && args.path !== 'yaml') return undefined;
      const r = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { trims: true },
      });
      const pure =
        r.path.startsWith(coreSrc) ||
        r.path.includes(`${path.sep}node_modules${path.sep}yaml${path.sep}`);
      if (r.errors.length > 0 || !pure) return undefined;
      return { path: r.path, sideEffects: false };
    });
    build.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'import-statement'
        ? { path: args.path, namespace: 'builtin-by-require' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

const { bytes } = await bundleNode({
  plugins: [startTrims],
  entry: path.join(pkg, 'src/agent/main.ts'),
  outfile,
  tsconfig: path.join(pkg, 'tsconfig.build.json'),
  alias: {
    '@lamina/core': path.resolve(pkg, '../../packages/core/src/index.ts'),
    // The pure contract module only (never the package index, which carries client-node).
    '@lamina/kube/worker-pod-contract': path.resolve(
      pkg,
      '../../packages/kube/src/worker-pod-contract.ts',
    ),
    // Likewise the safe unzip only (the kit's index carries the service runner and its clients).
    '@lamina/service-kit/unpack-zip': path.resolve(
      pkg,
      '../../packages/service-kit/src/unpack-zip.ts',
    ),
    '@lamina/service-kit/signals': path.resolve(pkg, '../../packages/service-kit/src/signals.ts'),
  },
});
process.stderr.write(
  `bundled the worker agent: ${path.relative(process.cwd(), outfile)} (${Math.round(bytes / 1024)} KiB)\n`,
);

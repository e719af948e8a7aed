#!/usr/bin/env node
// Bundles the worker agent (src/agent/main.ts) and everything it imports — the worker package,
// @lamina/core, @lamina/kube's worker-pod contract and @lamina/service-kit's unpack-zip (from
// their sources), pino, zod, prom-client, yauzl — into one ESM file, dist/agent.mjs (next to tsc's output, so ignored and cached
// alike), so a worker image needs only a Node.js binary and this file (ADR 0014). Run by
// `npm run build`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundleNode } from '../../../scripts/bundle-node.mjs';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(pkg, 'dist/agent.mjs');
const { bytes } = await bundleNode({
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
  },
});
process.stderr.write(
  `bundled the worker agent: ${path.relative(process.cwd(), outfile)} (${Math.round(bytes / 1024)} KiB)\n`,
);

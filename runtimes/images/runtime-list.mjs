#!/usr/bin/env node
// Prints the runtimes that have a runtime image, one a line: `<runtime id> <image>` (e.g.
// `python3.11 lamina/runtime-python:3.11`), in the order of packages/core/src/runtimes.json —
// the one place the runtime list is spelled (core, the CLI and these scripts read it).
// Used by build.sh and build-worker.sh, so neither keeps a list of its own.
import { readFileSync } from 'node:fs';

const file = new URL('../../packages/core/src/runtimes.json', import.meta.url);
const { runtimes } = JSON.parse(readFileSync(file, 'utf8'));
for (const r of runtimes) {
  if (typeof r.image === 'string') process.stdout.write(`${r.id} ${r.image}\n`);
}

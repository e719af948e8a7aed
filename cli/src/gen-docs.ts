#!/usr/bin/env node
/** Writes docs/cli.md from the help texts (`npm run docs:cli`); see help-docs.ts. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { helpMarkdown } from './help-docs.js';
import { buildProgram } from './program.js';

const target = fileURLToPath(new URL('../../docs/cli.md', import.meta.url));
const program = buildProgram({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: {},
  cwd: process.cwd(),
  execPath: process.execPath,
});
writeFileSync(target, helpMarkdown(program));
process.stdout.write(`wrote ${target}\n`);

#!/usr/bin/env node
// The `lamina` executable npm links into node_modules/.bin at install time — before anything is
// built, which is why it is not dist/main.js itself (npm skips a bin whose file is missing, so a
// fresh clone would get no `npx lamina`). It runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('lamina: the CLI is not built yet; run `npm run build` in the repository\n');
  process.exit(2);
}
await import(main.href);

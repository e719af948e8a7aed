#!/usr/bin/env node
// The `lamina` executable npm links into node_modules/.bin at install time — before anything is
// built, which is why it is not dist/main.js itself (npm skips a bin whose file is missing, so a
// fresh clone would get no `npx lamina`). It runs the built CLI, or says how to build it.
//
// It runs under whatever `node` is first on PATH. Lamina needs the Node.js major of
// .node-version (its dependencies use Node.js 22 APIs); when the running one is older, it runs
// the CLI with the Node.js that scripts/setup.sh installed and recorded in
// node_modules/.lamina-node, so `npx lamina` works right after setup on a machine whose own
// Node.js is older. This file is plain JavaScript that old Node.js versions can parse.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('lamina: the CLI is not built yet; run `npm run build` in the repository\n');
  process.exit(2);
}

const read = (rel) => {
  const url = new URL(rel, import.meta.url);
  return existsSync(url) ? readFileSync(url, 'utf8').trim() : '';
};
const wanted = Number(read('../../.node-version').split('.')[0]) || 22;
const running = Number(process.versions.node.split('.')[0]);

if (running >= wanted) {
  await import(main.href);
} else {
  const node = read('../../node_modules/.lamina-node');
  if (node === '' || !existsSync(node)) {
    process.stderr.write(
      `lamina: needs Node.js ${wanted} or later, and this is ${process.version}; run scripts/setup.sh (it installs Node.js ${wanted} for Lamina) or put Node.js ${wanted} first on PATH\n`,
    );
    process.exit(2);
  }
  const child = spawn(node, [fileURLToPath(main), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal itself; a signal sent to this process is passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) =>
    process.exit(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0))),
  );
}

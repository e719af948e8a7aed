import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { helpMarkdown } from './help-docs.js';
import { buildProgram } from './program.js';

const io = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: process.stdin,
  env: {},
  cwd: '/',
  execPath: process.execPath,
};

describe('docs/cli.md', () => {
  it('is the current help text of every command (regenerate: npm run build && npm run docs:cli)', () => {
    const file = fileURLToPath(new URL('../../docs/cli.md', import.meta.url));
    expect(readFileSync(file, 'utf8')).toBe(helpMarkdown(buildProgram(io)));
  });

  it('documents every command', () => {
    const md = helpMarkdown(buildProgram(io));
    for (const c of [
      'dev',
      'deploy',
      'list',
      'get',
      'delete',
      'invoke',
      'logs',
      'versions',
      'alias set',
      'concurrency set',
      'mappings list',
      'completion',
      'profile set',
    ]) {
      expect(md).toContain(`## \`lamina ${c}\``);
    }
  });
});

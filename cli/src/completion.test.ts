import { describe, expect, it } from 'vitest';

import { completionScript } from './completion.js';
import { renderTable } from './output.js';
import { buildProgram } from './program.js';

const io = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: process.stdin,
  env: {},
  cwd: '/',
  execPath: process.execPath,
};

describe('completion scripts', () => {
  it('list the commands at each level and their options', () => {
    const script = completionScript(buildProgram(io), 'bash');
    expect(script).toMatch(/"" ?\) words="dev deploy list get delete invoke logs versions alias/);
    expect(script).toMatch(/"alias"\) words="list set delete/);
    expect(script).toMatch(/"deploy"\) words="[^"]*--template[^"]*--endpoint/);
    expect(completionScript(buildProgram(io), 'zsh')).toMatch(/^#compdef lamina/);
  });
});

describe('table output', () => {
  it('aligns columns under upper-case headers, - for missing values', () => {
    expect(
      renderTable(
        [
          { name: 'a', n: 1 },
          { name: 'long', n: undefined },
        ],
        ['name', 'n'],
      ),
    ).toBe('NAME  N\na     1\nlong  -\n');
  });
});

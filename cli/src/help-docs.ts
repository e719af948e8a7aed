/**
 * docs/cli.md from the program's own help texts, so the reference cannot drift from the CLI:
 * `npm run docs:cli` writes it and `help-docs.test.ts` fails when it is stale.
 *
 * Invariant: the output depends only on the command tree (fixed help width, no environment).
 */
import type { Command } from 'commander';

function walk(cmd: Command, path: string[], out: { path: string[]; cmd: Command }[]): void {
  out.push({ path, cmd });
  for (const c of cmd.commands) walk(c, [...path, c.name()], out);
}

/** The whole help of a command as `--help` prints it, extra texts included. */
function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ ...cmd.configureOutput(), writeOut: (s: string) => (text += s) });
  cmd.outputHelp();
  return text;
}

export function helpMarkdown(program: Command): string {
  const all: { path: string[]; cmd: Command }[] = [];
  walk(program, [], all);
  const sections = all.map(({ path, cmd }) => {
    const title = ['lamina', ...path].join(' ');
    return `## \`${title}\`\n\n\`\`\`text\n${helpOf(cmd).trimEnd()}\n\`\`\`\n`;
  });
  return `# The \`lamina\` command

<!-- Generated from the CLI's help texts by \`npm run docs:cli\` (cli/src/help-docs.ts); do not edit. -->

Install: \`npm install\` in the repository links \`lamina\` into \`node_modules/.bin\`, so
\`npx lamina …\` works there after \`npm run build\`; on PATH: \`ln -s "$PWD/cli/dist/main.js" ~/.local/bin/lamina\`.
Shell completion: \`source <(lamina completion bash)\` (or \`zsh\`).

${sections.join('\n')}`;
}

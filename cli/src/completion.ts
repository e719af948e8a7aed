/**
 * Shell completion scripts generated from the program itself, so they never fall behind the
 * commands: the command words at each level and their long options. Static (no callback into
 * the CLI), so completing is instant and works without an endpoint.
 */
import type { Command } from 'commander';

interface Level {
  readonly path: string;
  readonly words: readonly string[];
}

function levels(cmd: Command, path: string, out: Level[]): void {
  const words = [
    ...cmd.commands.map((c) => c.name()),
    ...cmd.options.map((o) => o.long ?? '').filter((l) => l !== ''),
    '--help',
  ];
  out.push({ path, words });
  for (const c of cmd.commands) levels(c, path === '' ? c.name() : `${path} ${c.name()}`, out);
}

export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const all: Level[] = [];
  levels(program, '', all);
  const global = program.options.map((o) => o.long ?? '').filter((l) => l !== '');
  const cases = all
    .map(
      (l) =>
        `    "${l.path}") words="${[...l.words, ...(l.path === '' ? [] : global)].join(' ')}" ;;`,
    )
    .join('\n');
  const body = `_lamina_complete() {
  local cur path="" w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    case " $(_lamina_words "\${path}") " in *" $w "*) path="\${path:+$path }$w" ;; esac
  done
  COMPREPLY=( $(compgen -W "$(_lamina_words "$path")" -- "$cur") )
}
_lamina_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}
`;
  if (shell === 'bash')
    return `# lamina bash completion: source <(lamina completion bash)\n${body}complete -o default -F _lamina_complete lamina\n`;
  return `#compdef lamina\n# lamina zsh completion: source <(lamina completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${body}complete -o default -F _lamina_complete lamina\n`;
}

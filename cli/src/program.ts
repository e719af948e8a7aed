/**
 * The `lamina` command tree on commander: global options (--endpoint, --profile, --output), every
 * command's help, and the exit codes. Built from an injected CliIo, so `main.ts`, the docs
 * generator and the tests build the same program.
 */
import { createRequire } from 'node:module';

import { Command, Option } from 'commander';

import { EXIT_CODES_HELP } from './cli-error.js';
import { registerConcurrencyCommands } from './commands/concurrency.js';
import { registerDeployCommand } from './commands/deploy.js';
import { registerDevCommand } from './commands/dev-command.js';
import { registerFunctionCommands } from './commands/functions.js';
import { registerInvokeCommand } from './commands/invoke.js';
import { registerLogsCommand } from './commands/logs.js';
import { registerMappingCommands } from './commands/mappings.js';
import { registerMiscCommands } from './commands/misc.js';
import { registerVersionCommands } from './commands/versions.js';
import { CliContext, type CliIo } from './context.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const CLI_VERSION = pkg.version;

export function buildProgram(io: CliIo): Command {
  const ctx = new CliContext(io);
  const program = new Command('lamina')
    .description('Deploy, invoke and inspect functions on Lamina, the self-hosted AWS Lambda.')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .addOption(
      new Option('-e, --endpoint <url>', "Lamina's Lambda API (default http://127.0.0.1:9000)").env(
        'LAMINA_ENDPOINT',
      ),
    )
    .addOption(
      new Option('--profile <name>', 'a named endpoint from the profile file').env(
        'LAMINA_PROFILE',
      ),
    )
    .addOption(
      new Option('-o, --output <format>', 'json or table')
        .choices(['json', 'table'])
        .env('LAMINA_OUTPUT'),
    )
    .exitOverride() // before the commands, which copy it: main.ts maps exits to codes
    .configureHelp({ helpWidth: 100 })
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .addHelpText(
      'after',
      `\n${EXIT_CODES_HELP}\nProfiles: lamina profile set NAME --endpoint URL (file: LAMINA_CONFIG or ~/.config/lamina/config.json).`,
    );
  registerDevCommand(program, ctx);
  registerDeployCommand(program, ctx);
  registerFunctionCommands(program, ctx);
  registerInvokeCommand(program, ctx);
  registerLogsCommand(program, ctx);
  registerVersionCommands(program, ctx);
  registerConcurrencyCommands(program, ctx);
  registerMappingCommands(program, ctx);
  registerMiscCommands(program, ctx);
  return program;
}

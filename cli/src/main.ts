#!/usr/bin/env node
/**
 * The `lamina` executable: builds the program on this process's streams and environment, runs
 * it, and turns every failure into a message on stderr and an exit code (see cli-error.ts).
 */
import { CommanderError } from 'commander';

import { toCliError } from './api-error.js';
import { CliError, EXIT } from './cli-error.js';
import { buildProgram } from './program.js';
import { resolveSettings } from './settings.js';

const program = buildProgram({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  execPath: process.execPath,
});

function endpointForMessages(): string {
  try {
    return resolveSettings(program.opts(), process.env).endpoint;
  } catch {
    return 'the endpoint';
  }
}

program.parseAsync(process.argv).then(
  () => process.exit(EXIT.ok),
  (err: unknown) => {
    if (err instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors were already printed.
      process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
    }
    const e = err instanceof CliError ? err : toCliError(err, endpointForMessages(), 'lamina');
    process.stderr.write(`lamina: ${e.message}\n`);
    process.exit(e.exitCode);
  },
);

/**
 * `lamina logs NAME`: a function's log. Read through a gateway's logs API (remote-logs.ts) when
 * one is named (--endpoint, LAMINA_ENDPOINT, --profile, --remote) or no state folder is found —
 * a cluster's gateway reads the worker pods (issue #22). Otherwise local mode's state folder that
 * `lamina dev` keeps (`<state>/logs/NAME.log`): --state-dir, else LAMINA_STATE_DIR, else the
 * nearest `.lamina` folder in the working folder or one above it — where `lamina dev` started.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { Command } from 'commander';

import { CliError, EXIT } from '../cli-error.js';
import type { CliContext } from '../context.js';
import type { GlobalFlags } from '../settings.js';
import { FunctionLogs } from '../function-logs.js';
import { follow, parseSince, printFrom, type ReadLogOptions } from '../log-reader.js';
import { followRemote, type LogsFlags } from './logs-remote.js';

/** Whether a gateway was named for this run (then its logs API is read, not local files). */
function gatewayNamed(flags: LogsFlags & GlobalFlags, env: Record<string, string | undefined>) {
  const set = (v: string | undefined): boolean => v !== undefined && v !== '';
  return (
    flags.remote === true ||
    set(flags.endpoint) ||
    set(flags.profile) ||
    set(env['LAMINA_ENDPOINT']) ||
    set(env['LAMINA_PROFILE'])
  );
}

/** The state folder: flag, LAMINA_STATE_DIR, or the nearest `.lamina` upwards from cwd. */
export function findStateDir(
  cwd: string,
  flag: string | undefined,
  envDir: string | undefined,
): string | undefined {
  if (flag !== undefined) return resolve(cwd, flag);
  if (envDir !== undefined && envDir !== '') return resolve(cwd, envDir);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.lamina'))) return join(dir, '.lamina');
    if (dirname(dir) === dir) return undefined;
  }
}

export function registerLogsCommand(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description(
      "Print a function's log: from the gateway (a cluster, or --endpoint), else the state folder of `lamina dev`.",
    )
    .argument('<function>', 'function name')
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option(
      '-s, --since <time>',
      'only lines since a duration ago (30s, 5m, 2h, 1d) or an ISO time',
    )
    .option('-g, --filter <regex>', 'only lines matching this regular expression')
    .option('--timestamps', 'prefix each line with the time it was written')
    .option('-r, --request-id <id>', "only one invocation's lines (START to REPORT)")
    .option('--remote', "read the gateway's logs API even where a state folder exists")
    .option(
      '--state-dir <dir>',
      'the state folder (default: LAMINA_STATE_DIR, else the nearest .lamina)',
    )
    .action(async (name: string, opts: LogsFlags, command: Command) => {
      const { io } = ctx;
      const flags = command.optsWithGlobals<LogsFlags & GlobalFlags>();
      const stateDir = gatewayNamed(flags, io.env)
        ? undefined
        : findStateDir(io.cwd, opts.stateDir, io.env['LAMINA_STATE_DIR']);
      if (stateDir === undefined || opts.requestId !== undefined) {
        await followRemote(ctx, command, name, opts);
        return;
      }
      const dir = join(stateDir, 'logs');
      const file = FunctionLogs.fileOf(dir, name);
      let filter: RegExp | undefined;
      try {
        filter = opts.filter === undefined ? undefined : new RegExp(opts.filter);
      } catch (err) {
        throw new CliError(`--filter: ${(err as Error).message}`, EXIT.usage);
      }
      let since: number | undefined;
      try {
        since = opts.since === undefined ? undefined : parseSince(opts.since, Date.now());
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.usage);
      }
      const o: ReadLogOptions = {
        file,
        since,
        filter,
        timestamps: opts.timestamps === true,
        write: (t) => io.stdout.write(t),
      };
      if (opts.follow !== true) {
        if (!existsSync(file)) {
          throw new CliError(
            `no logs for ${name} yet (looked in ${file}); invoke it first`,
            EXIT.notFound,
          );
        }
        printFrom(o, 0);
        return;
      }
      mkdirSync(dir, { recursive: true });
      const stop = new Promise<void>((done) => {
        process.once('SIGINT', () => {
          done();
        });
        process.once('SIGTERM', () => {
          done();
        });
      });
      await follow(o, 0, stop);
    });
}

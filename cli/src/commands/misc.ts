/**
 * The small commands: `lamina queue read NAME` (a named queue of the gateway's own API),
 * `lamina profile set|list` (the profile file of `settings.ts`), and `lamina completion bash|zsh`.
 */
import type { Command } from 'commander';

import { CliError, EXIT } from '../cli-error.js';
import { completionScript } from '../completion.js';
import { type CliContext, withRun } from '../context.js';
import { readQueue } from '../queue-command.js';
import { profileFilePath, readProfiles, writeProfile } from '../settings.js';

export function registerMiscCommands(program: Command, ctx: CliContext): void {
  const queue = program
    .command('queue')
    .description('Named queues of Lamina (lamina:queue:NAME destinations).');
  queue
    .command('read')
    .description('Take (or --peek at) messages of a named queue.')
    .argument('<name>', 'queue name')
    .option('--max <n>', 'at most this many messages', '10')
    .option('--peek', 'read without taking them')
    .action((name: string, opts: { max: string; peek?: boolean }, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const messages = await run.call(`read queue ${name}`, () =>
          readQueue({
            endpoint: run.settings.endpoint,
            name,
            max: Number(opts.max),
            peek: opts.peek === true,
          }),
        );
        if (run.out.format === 'json') run.out.record({ Messages: messages });
        else for (const m of messages) run.out.text(`${JSON.stringify(m)}\n`);
      }),
    );

  const profile = program
    .command('profile')
    .description('Named endpoints in the profile file (--profile NAME).');
  profile
    .command('set')
    .description('Add or change a profile: lamina profile set NAME --endpoint URL.')
    .argument('<name>', 'profile name')
    .option('--region <region>', 'region for ARNs', 'us-east-1')
    .action((name: string, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ endpoint?: string; region: string }>();
      if (opts.endpoint === undefined) {
        throw new CliError(
          'profile set needs --endpoint URL (the Lamina gateway of this profile)',
          EXIT.usage,
        );
      }
      try {
        new URL(opts.endpoint);
      } catch {
        throw new CliError(`--endpoint ${opts.endpoint} is not a URL`, EXIT.usage);
      }
      const file = profileFilePath(ctx.io.env);
      writeProfile(file, name, { endpoint: opts.endpoint, region: opts.region });
      ctx.io.stderr.write(`profile ${name} → ${opts.endpoint} (in ${file})\n`);
    });
  profile
    .command('list')
    .description('List profiles.')
    .action((_o: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const { profiles } = readProfiles(profileFilePath(ctx.io.env));
        run.out.result(
          { Profiles: profiles },
          Object.entries(profiles).map(([name, p]) => ({
            name,
            endpoint: p.endpoint,
            region: p.region,
          })),
          ['name', 'endpoint', 'region'],
        );
        await Promise.resolve();
      }),
    );

  program
    .command('completion')
    .description('Print a shell completion script: `source <(lamina completion bash)`.')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh')
        throw new CliError(`completion takes bash or zsh, not ${shell}`, EXIT.usage);
      ctx.io.stdout.write(completionScript(program, shell));
    });
}

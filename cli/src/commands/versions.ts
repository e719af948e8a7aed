/**
 * `lamina versions NAME` (ListVersionsByFunction, --publish to PublishVersion) and
 * `lamina alias list|set|delete` (ListAliases, CreateAlias/UpdateAlias, DeleteAlias).
 */
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import type { Command } from 'commander';

import { errorName } from '../api-error.js';
import { withoutMetadata } from '../output.js';
import { type CliContext, withRun } from '../context.js';

export function registerVersionCommands(program: Command, ctx: CliContext): void {
  program
    .command('versions')
    .description("List a function's published versions, or publish one (--publish).")
    .argument('<function>', 'function name')
    .option('--publish', 'publish $LATEST as a new version first (PublishVersion)')
    .option('-d, --description <text>', 'description of the published version')
    .action((name: string, opts: { publish?: boolean; description?: string }, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        if (opts.publish === true) {
          const v = await run.call(`PublishVersion ${name}`, () =>
            run.lambda.send(
              new PublishVersionCommand({
                FunctionName: name,
                ...(opts.description === undefined ? {} : { Description: opts.description }),
              }),
            ),
          );
          run.out.done(`published ${name}:${v.Version ?? '?'}`);
        }
        const page = await run.call(`ListVersionsByFunction ${name}`, () =>
          run.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name })),
        );
        const versions = page.Versions ?? [];
        run.out.result(
          { Versions: versions },
          versions.map((v) => ({
            version: v.Version,
            codeSha256: v.CodeSha256,
            description: v.Description,
            modified: v.LastModified,
          })),
          ['version', 'codeSha256', 'description', 'modified'],
        );
      }),
    );

  const alias = program.command('alias').description("Manage a function's aliases.");
  alias
    .command('list')
    .description('List aliases (ListAliases).')
    .argument('<function>', 'function name')
    .action((name: string, _o: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const page = await run.call(`ListAliases ${name}`, () =>
          run.lambda.send(new ListAliasesCommand({ FunctionName: name })),
        );
        const aliases = page.Aliases ?? [];
        run.out.result(
          { Aliases: aliases },
          aliases.map((a) => ({
            name: a.Name,
            version: a.FunctionVersion,
            weights: a.RoutingConfig?.AdditionalVersionWeights,
            description: a.Description,
          })),
          ['name', 'version', 'weights', 'description'],
        );
      }),
    );
  alias
    .command('set')
    .description('Point an alias at a version, creating it if needed (CreateAlias/UpdateAlias).')
    .argument('<function>', 'function name')
    .argument('<alias>', 'alias name')
    .argument('<version>', 'version number')
    .option('--weight <version=weight>', 'route a share (0–1) of invocations to another version')
    .action(
      (name: string, aliasName: string, version: string, opts: { weight?: string }, cmd: Command) =>
        withRun(ctx, cmd, async (run) => {
          let routing: { AdditionalVersionWeights: Record<string, number> } | undefined;
          if (opts.weight !== undefined) {
            const [v, w] = opts.weight.split('=');
            routing = { AdditionalVersionWeights: { [v ?? '']: Number(w) } };
          }
          const fields = {
            FunctionName: name,
            Name: aliasName,
            FunctionVersion: version,
            ...(routing === undefined ? {} : { RoutingConfig: routing }),
          };
          const out = await run.call(`UpdateAlias ${name}:${aliasName}`, async () => {
            try {
              return await run.lambda.send(new UpdateAliasCommand(fields));
            } catch (err) {
              if (errorName(err) !== 'ResourceNotFoundException') throw err;
              return run.lambda.send(new CreateAliasCommand(fields));
            }
          });
          const rest = withoutMetadata(out);
          if (run.out.format === 'json') run.out.record(rest);
          else run.out.done(`${name}:${aliasName} → ${out.FunctionVersion ?? version}`);
        }),
    );
  alias
    .command('delete')
    .description('Delete an alias (DeleteAlias).')
    .argument('<function>', 'function name')
    .argument('<alias>', 'alias name')
    .action((name: string, aliasName: string, _o: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        await run.call(`DeleteAlias ${name}:${aliasName}`, () =>
          run.lambda.send(new DeleteAliasCommand({ FunctionName: name, Name: aliasName })),
        );
        if (run.out.format === 'json') run.out.record({ deleted: `${name}:${aliasName}` });
        else run.out.done(`deleted ${name}:${aliasName}`);
      }),
    );
}

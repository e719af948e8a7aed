/**
 * `lamina list`, `lamina get NAME`, `lamina delete NAME`: the function catalogue through
 * ListFunctions (all pages), GetFunction and DeleteFunction.
 */
import {
  DeleteFunctionCommand,
  type FunctionConfiguration,
  GetFunctionCommand,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import type { Command } from 'commander';

import { withoutMetadata } from '../output.js';
import { type CliContext, type Run, withRun } from '../context.js';

export async function listAllFunctions(run: Run): Promise<FunctionConfiguration[]> {
  const all: FunctionConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await run.call('ListFunctions', () =>
      run.lambda.send(
        new ListFunctionsCommand({ ...(marker === undefined ? {} : { Marker: marker }) }),
      ),
    );
    all.push(...(page.Functions ?? []));
    marker = page.NextMarker;
  } while (marker !== undefined && marker !== '');
  return all;
}

export function registerFunctionCommands(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .alias('ls')
    .description('List functions (ListFunctions).')
    .action((_opts: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const functions = await listAllFunctions(run);
        run.out.result(
          { Functions: functions },
          functions.map((f) => ({
            name: f.FunctionName,
            runtime: f.Runtime,
            handler: f.Handler,
            memory: f.MemorySize,
            timeout: f.Timeout,
            // ListFunctions carries no State on AWS either (GetFunction does): `lamina get` shows it.
            size: f.CodeSize,
            modified: f.LastModified,
          })),
          ['name', 'runtime', 'handler', 'memory', 'timeout', 'size', 'modified'],
        );
      }),
    );

  program
    .command('get')
    .description('Show one function: configuration, state, code and tags (GetFunction).')
    .argument('<function>', 'function name or ARN; NAME:QUALIFIER for a version or alias')
    .option('-q, --qualifier <qualifier>', 'version or alias')
    .action((name: string, opts: { qualifier?: string }, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const got = await run.call(`GetFunction ${name}`, () =>
          run.lambda.send(
            new GetFunctionCommand({
              FunctionName: name,
              ...(opts.qualifier === undefined ? {} : { Qualifier: opts.qualifier }),
            }),
          ),
        );
        if (run.out.format === 'json') {
          const rest = withoutMetadata(got);
          run.out.record(rest);
          return;
        }
        const c = got.Configuration ?? {};
        run.out.record({
          name: c.FunctionName,
          arn: c.FunctionArn,
          version: c.Version,
          runtime: c.Runtime,
          handler: c.Handler,
          memory: c.MemorySize,
          timeout: c.Timeout,
          state: c.State,
          stateReason: c.StateReason,
          lastUpdate: c.LastUpdateStatus,
          modified: c.LastModified,
          codeSha256: c.CodeSha256,
          codeSize: c.CodeSize,
          environment: c.Environment?.Variables,
          layers: c.Layers?.map((l) => l.Arn),
          reserved: got.Concurrency?.ReservedConcurrentExecutions,
          tags: got.Tags,
        });
      }),
    );

  program
    .command('delete')
    .alias('rm')
    .description('Delete a function, or one version of it (DeleteFunction).')
    .argument('<function>', 'function name')
    .option('-q, --qualifier <version>', 'delete only this version')
    .action((name: string, opts: { qualifier?: string }, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        await run.call(`DeleteFunction ${name}`, () =>
          run.lambda.send(
            new DeleteFunctionCommand({
              FunctionName: name,
              ...(opts.qualifier === undefined ? {} : { Qualifier: opts.qualifier }),
            }),
          ),
        );
        const what = opts.qualifier === undefined ? name : `${name}:${opts.qualifier}`;
        if (run.out.format === 'json') run.out.record({ deleted: what });
        else run.out.done(`deleted ${what}`);
      }),
    );
}

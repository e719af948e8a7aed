/**
 * `lamina concurrency get|set|clear NAME` (reserved concurrency: Get/Put/DeleteFunctionConcurrency)
 * and `lamina concurrency provisioned NAME QUALIFIER N` (PutProvisionedConcurrencyConfig; 0 removes it).
 */
import {
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetFunctionConcurrencyCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import type { Command } from 'commander';

import { CliError, EXIT } from '../cli-error.js';
import { withoutMetadata } from '../output.js';
import { type CliContext, withRun } from '../context.js';

function count(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(`${what} must be a whole number ≥ 0, not ${value}`, EXIT.usage);
  return n;
}

export function registerConcurrencyCommands(program: Command, ctx: CliContext): void {
  const c = program
    .command('concurrency')
    .description('Reserved and provisioned concurrency of a function.');
  c.command('get')
    .description('Show the reserved concurrency (GetFunctionConcurrency).')
    .argument('<function>', 'function name')
    .action((name: string, _o: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const out = await run.call(`GetFunctionConcurrency ${name}`, () =>
          run.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })),
        );
        run.out.record({
          FunctionName: name,
          ReservedConcurrentExecutions: out.ReservedConcurrentExecutions ?? null,
        });
      }),
    );
  c.command('set')
    .description('Reserve concurrency for a function; 0 throttles it (PutFunctionConcurrency).')
    .argument('<function>', 'function name')
    .argument('<count>', 'concurrent executions')
    .action((name: string, n: string, _o: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const reserved = count(n, 'count');
        await run.call(`PutFunctionConcurrency ${name}`, () =>
          run.lambda.send(
            new PutFunctionConcurrencyCommand({
              FunctionName: name,
              ReservedConcurrentExecutions: reserved,
            }),
          ),
        );
        run.out.record({ FunctionName: name, ReservedConcurrentExecutions: reserved });
      }),
    );
  c.command('clear')
    .description('Remove the reservation (DeleteFunctionConcurrency).')
    .argument('<function>', 'function name')
    .action((name: string, _o: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        await run.call(`DeleteFunctionConcurrency ${name}`, () =>
          run.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name })),
        );
        run.out.record({ FunctionName: name, ReservedConcurrentExecutions: null });
      }),
    );
  c.command('provisioned')
    .description('Keep N environments initialised for a version or alias; 0 removes the config.')
    .argument('<function>', 'function name')
    .argument('<qualifier>', 'version or alias')
    .argument('<count>', 'environments')
    .action((name: string, qualifier: string, n: string, _o: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const wanted = count(n, 'count');
        if (wanted === 0) {
          await run.call(`DeleteProvisionedConcurrencyConfig ${name}:${qualifier}`, () =>
            run.lambda.send(
              new DeleteProvisionedConcurrencyConfigCommand({
                FunctionName: name,
                Qualifier: qualifier,
              }),
            ),
          );
          run.out.record({
            FunctionName: name,
            Qualifier: qualifier,
            RequestedProvisionedConcurrentExecutions: 0,
          });
          return;
        }
        const out = await run.call(`PutProvisionedConcurrencyConfig ${name}:${qualifier}`, () =>
          run.lambda.send(
            new PutProvisionedConcurrencyConfigCommand({
              FunctionName: name,
              Qualifier: qualifier,
              ProvisionedConcurrentExecutions: wanted,
            }),
          ),
        );
        const rest = withoutMetadata(out);
        run.out.record({ FunctionName: name, Qualifier: qualifier, ...rest });
      }),
    );
}

/**
 * `lamina mappings list|get|delete|enable|disable`: event source mappings (Kafka today; SQS where
 * this Lamina has it) through List/Get/Delete/UpdateEventSourceMapping.
 */
import {
  DeleteEventSourceMappingCommand,
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { Command } from 'commander';

import { type CliContext, type Run, withRun } from '../context.js';

export async function listAllMappings(
  run: Run,
  functionName?: string,
): Promise<EventSourceMappingConfiguration[]> {
  const all: EventSourceMappingConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await run.call('ListEventSourceMappings', () =>
      run.lambda.send(
        new ListEventSourceMappingsCommand({
          ...(functionName === undefined ? {} : { FunctionName: functionName }),
          ...(marker === undefined ? {} : { Marker: marker }),
        }),
      ),
    );
    all.push(...(page.EventSourceMappings ?? []));
    marker = page.NextMarker;
  } while (marker !== undefined && marker !== '');
  return all;
}

function sourceOf(m: EventSourceMappingConfiguration): string {
  if (m.EventSourceArn !== undefined) return m.EventSourceArn;
  const servers = m.SelfManagedEventSource?.Endpoints?.KAFKA_BOOTSTRAP_SERVERS ?? [];
  return `kafka://${servers.join(',')}/${(m.Topics ?? []).join(',')}`;
}

export function registerMappingCommands(program: Command, ctx: CliContext): void {
  const m = program.command('mappings').description('Event source mappings (Kafka, SQS).');
  const show = (run: Run, x: EventSourceMappingConfiguration): void => {
    const { ...rest } = x as EventSourceMappingConfiguration & { $metadata?: unknown };
    delete rest.$metadata;
    run.out.record(rest);
  };
  m.command('list')
    .description('List mappings (ListEventSourceMappings).')
    .option('--function <name>', 'only the mappings of this function')
    .action((opts: { function?: string }, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const all = await listAllMappings(run, opts.function);
        run.out.result(
          { EventSourceMappings: all },
          all.map((x) => ({
            uuid: x.UUID,
            function: x.FunctionArn?.split(':function:')[1],
            source: sourceOf(x),
            state: x.State,
            batch: x.BatchSize,
            last: x.LastProcessingResult,
          })),
          ['uuid', 'function', 'source', 'state', 'batch', 'last'],
        );
      }),
    );
  m.command('get')
    .description('Show one mapping (GetEventSourceMapping).')
    .argument('<uuid>', 'mapping UUID')
    .action((uuid: string, _o: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        show(
          run,
          await run.call(`GetEventSourceMapping ${uuid}`, () =>
            run.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })),
          ),
        );
      }),
    );
  m.command('delete')
    .description('Delete a mapping (DeleteEventSourceMapping).')
    .argument('<uuid>', 'mapping UUID')
    .action((uuid: string, _o: unknown, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        show(
          run,
          await run.call(`DeleteEventSourceMapping ${uuid}`, () =>
            run.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid })),
          ),
        );
      }),
    );
  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    m.command(verb)
      .description(
        `${enabled ? 'Resume' : 'Pause'} a mapping (UpdateEventSourceMapping Enabled=${enabled}).`,
      )
      .argument('<uuid>', 'mapping UUID')
      .action((uuid: string, _o: unknown, cmd: Command) =>
        withRun(ctx, cmd, async (run) => {
          show(
            run,
            await run.call(`UpdateEventSourceMapping ${uuid}`, () =>
              run.lambda.send(
                new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: enabled }),
              ),
            ),
          );
        }),
      );
  }
}

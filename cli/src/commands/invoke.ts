/**
 * `lamina invoke NAME`: Invoke through the SDK. The payload comes from --payload, --payload-file
 * (`-` is stdin), else `{}` (stdin is read only when asked: a script's open stdin never blocks). --tail prints the last 4 KB of the log
 * to stderr; --async queues an Event invocation (202). A failing handler exits 5 with its error
 * document on stdout, like Lambda's 200 + X-Amz-Function-Error.
 */
import { readFileSync } from 'node:fs';

import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';

import { CliError, EXIT } from '../cli-error.js';
import { type CliContext, withRun } from '../context.js';

interface InvokeFlags {
  payload?: string;
  payloadFile?: string;
  qualifier?: string;
  tail?: boolean;
  async?: boolean;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerInvokeCommand(program: Command, ctx: CliContext): void {
  program
    .command('invoke')
    .description('Invoke a function and print its result (Invoke).')
    .argument('<function>', 'function name, NAME:ALIAS or NAME:VERSION')
    .option('-p, --payload <json>', 'the event as JSON')
    .option('-f, --payload-file <file>', 'read the event from a file (- for stdin)')
    .option('-q, --qualifier <qualifier>', 'version or alias')
    .option('-t, --tail', 'print the last 4 KB of the execution log to stderr')
    .option('-a, --async', 'queue the event (InvocationType Event) and return at once')
    .addHelpText(
      'after',
      '\nWithout --payload or --payload-file the event is {}; `--payload-file -` reads stdin.',
    )
    .action((name: string, opts: InvokeFlags, cmd: Command) =>
      withRun(ctx, cmd, async (run) => {
        const { io } = ctx;
        let payload: string;
        if (opts.payload !== undefined && opts.payloadFile !== undefined)
          throw new CliError('give --payload or --payload-file, not both', EXIT.usage);
        if (opts.payload !== undefined) payload = opts.payload;
        else if (opts.payloadFile === '-') payload = await readStdin(io.stdin);
        else if (opts.payloadFile !== undefined) {
          try {
            payload = readFileSync(opts.payloadFile, 'utf8');
          } catch (err) {
            throw new CliError(
              `cannot read --payload-file ${opts.payloadFile}: ${(err as Error).message}`,
              EXIT.usage,
            );
          }
        } else payload = '';
        if (payload.trim() === '') payload = '{}';
        const out = await run.call(`Invoke ${name}`, () =>
          run.lambda.send(
            new InvokeCommand({
              FunctionName: name,
              Payload: Buffer.from(payload),
              InvocationType: opts.async === true ? 'Event' : 'RequestResponse',
              LogType: opts.tail === true && opts.async !== true ? 'Tail' : 'None',
              ...(opts.qualifier === undefined ? {} : { Qualifier: opts.qualifier }),
            }),
          ),
        );
        const body = Buffer.from(out.Payload ?? []).toString('utf8');
        const log =
          out.LogResult === undefined
            ? undefined
            : Buffer.from(out.LogResult, 'base64').toString('utf8');
        if (run.out.format === 'json') {
          let parsed: unknown = body;
          try {
            parsed = body === '' ? null : JSON.parse(body);
          } catch {
            // not JSON: keep the text
          }
          run.out.record({
            StatusCode: out.StatusCode,
            ExecutedVersion: out.ExecutedVersion,
            FunctionError: out.FunctionError,
            Payload: parsed,
            ...(log === undefined ? {} : { LogResult: log }),
          });
        } else {
          if (log !== undefined) io.stderr.write(log.endsWith('\n') ? log : `${log}\n`);
          if (opts.async === true) run.out.done(`queued (${out.StatusCode ?? 202})`);
          else run.out.text(`${body}\n`);
        }
        if (out.FunctionError !== undefined) {
          throw new CliError(`${name} failed (${out.FunctionError})`, EXIT.functionError);
        }
      }),
    );
}

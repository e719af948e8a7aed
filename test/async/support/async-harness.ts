import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { uniqueName } from '@lamina/testkit';

import { makeZip } from '../../support/zip.js';

/**
 * A handler that appends `<awsRequestId> <event JSON>` to $RUN_LOG for every run, fails when
 * the event says so and can sleep.
 */
export const RECORDING_HANDLER = `
const fs = require('node:fs');
exports.handler = async (event, context) => {
  fs.appendFileSync(process.env.RUN_LOG, context.awsRequestId + ' ' + JSON.stringify(event) + '\\n');
  if (event && event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event && event.fail) throw new Error('failed on purpose ' + context.awsRequestId);
  return { ok: true };
};
`;

/** A function made with RECORDING_HANDLER; `runs()` lists the request ids it ran, in order. */
export interface RecordingFunction {
  readonly name: string;
  readonly arn: string;
  readonly logFile: string;
  runs(): { requestId: string; event: unknown }[];
}

export async function createRecordingFunction(
  client: LambdaClient,
  prefix: string,
): Promise<RecordingFunction> {
  const name = uniqueName(prefix);
  const logFile = join(mkdtempSync(join(tmpdir(), 'lamina-async-')), 'runs.log');
  writeFileSync(logFile, '');
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/test',
      Code: { ZipFile: makeZip({ 'index.js': RECORDING_HANDLER }) },
      Environment: { Variables: { RUN_LOG: logFile } },
      Timeout: 10,
    }),
  );
  return {
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    logFile,
    runs: () =>
      (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const i = l.indexOf(' ');
          return { requestId: l.slice(0, i), event: JSON.parse(l.slice(i + 1)) as unknown };
        }),
  };
}

export interface QueueMessage {
  readonly Body: string;
  readonly Attributes: Record<string, string>;
}

/** Takes up to `max` messages of a named queue through the gateway's API. */
export async function readQueue(
  endpoint: string,
  name: string,
  max = 100,
): Promise<QueueMessage[]> {
  const res = await fetch(`${endpoint}/lamina/v1/queues/${name}/messages?max=${max}`);
  if (!res.ok) throw new Error(`queue read answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { Messages: QueueMessage[] }).Messages;
}

/** Puts an event invoke config, with Lamina's DeadLetterConfig extension, over plain HTTP. */
export async function putAsyncConfig(
  endpoint: string,
  functionName: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${endpoint}/2019-09-25/functions/${functionName}/event-invoke-config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok)
    throw new Error(`PutFunctionEventInvokeConfig ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

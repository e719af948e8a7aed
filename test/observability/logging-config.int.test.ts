/**
 * Issue #22 item 3's LoggingConfig on `lamina dev` through @aws-sdk/client-lambda (ADR 0041):
 * stored and answered as AWS does (defaults, JSON's INFO levels, the Text-with-level refusal in
 * AWS's words), published with versions, and in effect — JSON platform records in the Tail log
 * and the logs API, filtered by SystemLogLevel; the runtimes' own JSON lines filtered by
 * ApplicationLogLevel (Lamina's Node.js runtime, and the official Python client awslambdaric).
 */
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { eventually, type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { setupRuntimes } from '../runtimes/support/runtime-support.js';
import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

const NODE_HANDLER = `
exports.handler = async () => {
  console.debug('debug line');
  console.info('info line');
  console.warn('warn line');
  return {
    format: process.env.AWS_LAMBDA_LOG_FORMAT ?? null,
    level: process.env.AWS_LAMBDA_LOG_LEVEL ?? null,
    group: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  };
};
`;

const PYTHON_HANDLER = `
import logging
logger = logging.getLogger()

def handler(event, context):
    logger.debug("debug line")
    logger.info("info line")
    logger.warning("warn line")
    return {"ok": True}
`;

const ROLE = 'arn:aws:iam::000000000000:role/test';

interface Invoked {
  readonly payload: Record<string, unknown>;
  readonly lines: string[];
}

async function invoke(client: LambdaClient, name: string, qualifier?: string): Promise<Invoked> {
  const out = await client.send(
    new InvokeCommand({
      FunctionName: name,
      LogType: 'Tail',
      Payload: '{}',
      ...(qualifier === undefined ? {} : { Qualifier: qualifier }),
    }),
  );
  const text = Buffer.from(out.Payload ?? []).toString('utf8');
  expect(out.FunctionError, text).toBeUndefined();
  const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
  return {
    payload: JSON.parse(text) as Record<string, unknown>,
    lines: log.split('\n').filter((l) => l !== ''),
  };
}

const json = (lines: readonly string[]): Record<string, unknown>[] =>
  lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const typesOf = (lines: readonly string[]): unknown[] =>
  json(lines)
    .map((r) => r['type'])
    .filter((t) => t !== undefined);
const messagesOf = (lines: readonly string[]): unknown[][] =>
  json(lines)
    .filter((r) => r['level'] !== undefined)
    .map((r) => [r['level'], r['message']]);

describe('LoggingConfig (local mode)', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;

  beforeAll(async () => {
    await setupRuntimes('python');
    lamina = await startLamina();
    client = lambdaClient(lamina.url);
  }, 900_000);

  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  it('answers the defaults, JSON with INFO levels, and refuses a level with Text', async () => {
    const name = uniqueName('logcfg');
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: makeZip({ 'index.js': NODE_HANDLER }) },
      }),
    );
    expect(created.LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: `/aws/lambda/${name}` });
    await eventually(async () => {
      const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      expect(c.State).toBe('Active');
      return true;
    });
    const text = await invoke(client, name);
    expect(text.payload).toEqual({ format: null, level: null, group: `/aws/lambda/${name}` });
    expect(text.lines[0]).toMatch(/^START RequestId: \S+ Version: \$LATEST$/);

    const updated = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        LoggingConfig: { LogFormat: 'JSON', LogGroup: `/custom/${name}` },
      }),
    );
    expect(updated.LoggingConfig).toEqual({
      LogFormat: 'JSON',
      ApplicationLogLevel: 'INFO',
      SystemLogLevel: 'INFO',
      LogGroup: `/custom/${name}`,
    });

    const refused = client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        LoggingConfig: { LogFormat: 'Text', ApplicationLogLevel: 'DEBUG' },
      }),
    );
    await expect(refused).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message:
        'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "Json" and try again.',
      $metadata: { httpStatusCode: 400 },
    });
    const badEnum = client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        // @ts-expect-error -- a value outside the model's enum, as a hand-written request may send
        LoggingConfig: { LogFormat: 'XML' },
      }),
    );
    await expect(badEnum).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    const still = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(still.LoggingConfig?.LogFormat).toBe('JSON');
  });

  it('writes JSON platform records and filters by both levels; versions keep theirs', async () => {
    const name = uniqueName('logjson');
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: makeZip({ 'index.js': NODE_HANDLER }) },
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN', SystemLogLevel: 'DEBUG' },
      }),
    );
    await eventually(async () => {
      const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      expect(c.State).toBe('Active');
      return true;
    });
    const first = await invoke(client, name);
    expect(first.payload).toEqual({
      format: 'JSON',
      level: 'WARN',
      group: `/aws/lambda/${name}`,
    });
    expect(typesOf(first.lines)).toEqual([
      'platform.start',
      'platform.runtimeDone',
      'platform.report',
    ]);
    expect(messagesOf(first.lines)).toEqual([['WARN', 'warn line']]);
    const report = json(first.lines).find((r) => r['type'] === 'platform.report');
    expect(report?.['record']).toMatchObject({
      status: 'success',
      metrics: { memorySizeMB: 128, billedDurationMs: expect.any(Number) as number },
    });
    const requestId = (report?.['record'] as { requestId: string }).requestId;

    // The logs API finds the invocation's lines by request id in JSON records too.
    await eventually(async () => {
      const r = await fetch(
        `${lamina.url}/lamina/v1/functions/${name}/logs?requestId=${requestId}`,
      );
      const body = (await r.json()) as { events: { message: string }[] };
      const messages = body.events.map((e) => e.message);
      expect(typesOf(messages)).toEqual([
        'platform.start',
        'platform.runtimeDone',
        'platform.report',
      ]);
      expect(messagesOf(messages)).toEqual([['WARN', 'warn line']]);
      return true;
    });

    const v1 = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v1.LoggingConfig).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'DEBUG' });
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        LoggingConfig: { SystemLogLevel: 'WARN', ApplicationLogLevel: 'DEBUG' },
      }),
    );
    await eventually(async () => {
      const latest = await invoke(client, name);
      expect(typesOf(latest.lines)).toEqual([]);
      expect(messagesOf(latest.lines)).toEqual([
        ['DEBUG', 'debug line'],
        ['INFO', 'info line'],
        ['WARN', 'warn line'],
      ]);
      return true;
    });
    // Version 1 keeps the settings it was published with.
    const published = await invoke(client, name, v1.Version);
    expect(typesOf(published.lines)).toContain('platform.report');
    expect(messagesOf(published.lines)).toEqual([['WARN', 'warn line']]);
  });

  it("the official Python client's JSON lines honour ApplicationLogLevel", async () => {
    const name = uniqueName('logpy');
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'python3.11',
        Handler: 'app.handler',
        Role: ROLE,
        Code: { ZipFile: makeZip({ 'app.py': PYTHON_HANDLER }) },
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
      }),
    );
    await eventually(async () => {
      const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      expect(c.State).toBe('Active');
      return true;
    });
    const out = await invoke(client, name);
    expect(out.payload).toEqual({ ok: true });
    expect(typesOf(out.lines)).toEqual(['platform.start', 'platform.report']);
    const app = json(out.lines).filter((r) => r['level'] !== undefined);
    expect(app.map((r) => [r['level'], r['message']])).toEqual([
      ['INFO', 'info line'],
      ['WARNING', 'warn line'],
    ]);
    const start = json(out.lines).find((r) => r['type'] === 'platform.start');
    const id = (start?.['record'] as { requestId: string }).requestId;
    expect(app.every((r) => r['requestId'] === id)).toBe(true);
  });
});

/**
 * `lamina deploy --template` against local mode, driven as a process: an AWS SAM template with a
 * Node.js and a Python function, a layer both load a module from, an alias (AutoPublishAlias),
 * Globals, parameters and schedules (Schedule, ScheduleV2) deploys; a redeploy with one function
 * changed updates only that one; a function removed from the template is deleted with its
 * schedule; an unsupported resource is reported by name; --kubernetes writes manifests.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleSpecSchema } from '@lamina/kube';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';
import { parseAllDocuments } from 'yaml';

import { runCli } from '../support/run-cli.js';
import {
  type DeployResult,
  samTemplate as template,
  schedulerAt,
  writeSamStack,
} from './sam-stack.js';

describe('lamina deploy --template (AWS SAM) on local mode', () => {
  let lamina: LaminaProcess;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'lamina-sam-'));
  const stack = uniqueName('sam');
  const deploy = async (...extra: string[]): Promise<{ result: DeployResult; stderr: string }> => {
    const out = await runCli(
      [
        'deploy',
        '--template',
        join(dir, 'template.yaml'),
        '--stack-name',
        stack,
        '-o',
        'json',
        ...extra,
      ],
      { env, timeoutMs: 120_000 },
    );
    expect(out.code, out.stderr).toBe(0);
    return { result: JSON.parse(out.stdout) as DeployResult, stderr: out.stderr };
  };
  const action = (r: DeployResult, name: string): string | undefined =>
    r.Functions.find((f) => f.FunctionName === name)?.Action;

  let scheduler: SchedulerClient;
  const schedule = (name: string): Promise<unknown> =>
    scheduler.send(new GetScheduleCommand({ Name: name }));

  beforeAll(async () => {
    lamina = await startLamina();
    env = { LAMINA_ENDPOINT: lamina.url };
    scheduler = schedulerAt(lamina.url);
    writeSamStack(dir);
  });
  afterAll(async () => {
    await lamina.stop();
  });

  it('deploys both functions, the layer, the alias, the environment and the schedules; reports the unsupported resource', async () => {
    const { result, stderr } = await deploy();
    expect(action(result, `${stack}-web`)).toBe('created');
    expect(action(result, `${stack}-worker`)).toBe('created');
    expect(result.Functions.find((f) => f.FunctionName === `${stack}-web`)).toMatchObject({
      Version: '1',
      Alias: 'live',
    });
    expect(result.Unsupported).toEqual(['resource Orders (AWS::DynamoDB::Table)']);
    expect(stderr).toContain('resource Orders (AWS::DynamoDB::Table)');

    const web = await runCli(['invoke', `${stack}-web:live`, '-o', 'json'], { env });
    expect(JSON.parse(web.stdout)).toMatchObject({
      ExecutedVersion: '1',
      Payload: { greeting: `hello from ${stack}`, stage: 'dev', shared: 'layer greets web' },
    });
    const worker = await runCli(['invoke', `${stack}-worker`], { env });
    expect(worker.code, worker.stderr).toBe(0);
    expect(JSON.parse(worker.stdout)).toEqual({
      peer: `${stack}-web`,
      stage: 'dev',
      shared: 'layer greets worker',
      v: 1,
    });

    // The schedules exist, aimed at the alias (Web) and at the function (Worker).
    expect(await schedule(`${stack}-web-Nightly`)).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      State: 'ENABLED',
      Target: {
        Arn: expect.stringMatching(new RegExp(`:function:${stack}-web:live$`)) as unknown,
        Input: '{"job":"nightly"}',
      },
    });
    expect(await schedule(`${stack}-worker-Every`)).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      Target: { Arn: expect.stringMatching(new RegExp(`:function:${stack}-worker$`)) as unknown },
    });
  });

  it('redeploys with one function changed: only that one is updated', async () => {
    const before = JSON.parse(
      (await runCli(['get', `${stack}-web`, '-o', 'json'], { env })).stdout,
    ) as { Configuration: { LastModified: string } };
    appendFileSync(join(dir, 'worker', 'app.py'), '# changed\n');
    const { result } = await deploy();
    expect(action(result, `${stack}-web`)).toBe('unchanged');
    expect(result.Functions.find((f) => f.FunctionName === `${stack}-worker`)).toMatchObject({
      Action: 'updated',
      Changes: ['Code'],
    });
    const after = JSON.parse(
      (await runCli(['get', `${stack}-web`, '-o', 'json'], { env })).stdout,
    ) as { Configuration: { LastModified: string } };
    expect(after.Configuration.LastModified).toBe(before.Configuration.LastModified);
    const versions = await runCli(['versions', `${stack}-web`, '-o', 'json'], { env });
    expect((JSON.parse(versions.stdout) as { Versions: unknown[] }).Versions).toHaveLength(2); // $LATEST and 1

    // A parameter override changes the environment of both: both are updated.
    const { result: staged } = await deploy('--parameter-overrides', 'Stage=prod');
    expect(staged.Functions.map((f) => f.Action)).toEqual(['updated', 'updated']);
    const web = await runCli(['invoke', `${stack}-web:live`, '-o', 'json'], { env });
    expect(JSON.parse(web.stdout)).toMatchObject({
      ExecutedVersion: '2',
      Payload: { stage: 'prod' },
    });
  });

  it('shows a changeset without applying it (--dry-run)', async () => {
    writeFileSync(join(dir, 'template.yaml'), template(false));
    const out = await runCli(
      [
        'deploy',
        '-t',
        join(dir, 'template.yaml'),
        '--stack-name',
        stack,
        '--parameter-overrides',
        'Stage=prod',
        '--dry-run',
        '-o',
        'json',
      ],
      { env },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      Deletions: [`${stack}-worker`],
      Changes: [{ Action: 'unchanged', LogicalId: 'Web' }],
    });
    expect((await runCli(['get', `${stack}-worker`], { env })).code).toBe(0);
  });

  it('deletes the function that left the template', async () => {
    const { result } = await deploy('--parameter-overrides', 'Stage=prod');
    expect(result.Deleted).toEqual([`${stack}-worker`]);
    expect(action(result, `${stack}-web`)).toBe('unchanged');
    const gone = await runCli(['get', `${stack}-worker`], { env });
    expect(gone.code).toBe(4);
    await expect(schedule(`${stack}-worker-Every`)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(await schedule(`${stack}-web-Nightly`)).toMatchObject({ State: 'ENABLED' });
  });

  it('refuses to apply anything with --strict when something is unsupported (exit 6)', async () => {
    const out = await runCli(
      ['deploy', '-t', join(dir, 'template.yaml'), '--stack-name', stack, '--strict'],
      { env },
    );
    expect(out.code).toBe(6);
    expect(out.stderr).toContain('Orders (AWS::DynamoDB::Table)');
  });

  it('writes Function manifests instead with --kubernetes', async () => {
    writeFileSync(join(dir, 'template.yaml'), template(true));
    const outDir = join(dir, 'manifests');
    const out = await runCli(
      ['deploy', '-t', join(dir, 'template.yaml'), '--stack-name', stack, '--kubernetes', outDir],
      { env: {} },
    );
    expect(out.code, out.stderr).toBe(0);
    const printed = await runCli(
      ['deploy', '-t', join(dir, 'template.yaml'), '--stack-name', stack, '--kubernetes'],
      { env: {} },
    );
    const docs = parseAllDocuments(printed.stdout).map(
      (d) =>
        d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> },
    );
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      `Function/${stack}-web`,
      `Schedule/${stack}-web-nightly`,
      `Function/${stack}-worker`,
      `Schedule/${stack}-worker-every`,
    ]);
    expect(docs[1]?.spec).toEqual({
      scheduleExpression: 'cron(0 3 * * ? *)',
      state: 'ENABLED',
      target: { functionName: `${stack}-web`, input: '{"job":"nightly"}' },
    });
    // Both Schedule specs are what the CRD's schema takes.
    expect(() => scheduleSpecSchema.parse(docs[1]?.spec)).not.toThrow();
    expect(() => scheduleSpecSchema.parse(docs[3]?.spec)).not.toThrow();
    expect(docs[2]?.spec).toMatchObject({
      runtime: 'python3.11',
      handler: 'app.handler',
      memorySize: 256,
      environment: { variables: { PEER: `${stack}-web`, STAGE: 'dev' } },
    });
    expect(printed.stderr).toContain('NodeFn'.replace('NodeFn', 'Web.Properties.AutoPublishAlias'));
  });
});

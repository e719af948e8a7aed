/**
 * `lamina deploy --template` on the test cluster: the same AWS SAM stack as the local-mode suite
 * (test/cli/sam-stack.ts — a Node.js and a Python function, a layer both load a module from, an
 * alias, environment variables, Schedule/ScheduleV2 events) deployed by the built CLI, as a
 * process, against the cluster gateway (real kube-apiserver, operator, kubelet running the worker
 * images of both runtimes). Both functions answer from their pods with the layer's module; the
 * schedules exist; a redeploy with one function changed updates only that one; the function that
 * left the template is deleted with its schedule. One test, bounded in time.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@lamina/testkit';

import { type DeployResult, samTemplate, schedulerAt, writeSamStack } from '../cli/sam-stack.js';
import { runCli } from '../support/run-cli.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';
import { workerImage } from './support/worker-image.js';

describe('lamina deploy --template (AWS SAM) on the cluster', () => {
  let lamina: ClusterLamina | undefined;
  let scheduler: SchedulerClient;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'lamina-sam-cluster-'));
  const stack = uniqueName('samk');

  beforeAll(async () => {
    // Every worker image shares one tag: the Python one is built and loaded next to Node.js's.
    const [started] = await Promise.all([
      startClusterLamina({ name: 'sam' }),
      workerImage('python3.11'),
    ]);
    lamina = started;
    env = { LAMINA_ENDPOINT: started.gateway.url };
    scheduler = schedulerAt(started.gateway.url);
    writeSamStack(dir);
  }, 900_000);

  afterAll(async () => {
    scheduler.destroy();
    await lamina?.stop();
  }, 180_000);

  const deploy = async (): Promise<DeployResult> => {
    const out = await runCli(
      ['deploy', '-t', join(dir, 'template.yaml'), '--stack-name', stack, '-o', 'json'],
      { env, timeoutMs: 300_000 },
    );
    expect(out.code, out.stderr).toBe(0);
    return JSON.parse(out.stdout) as DeployResult;
  };
  const invoke = async (target: string): Promise<unknown> => {
    const out = await runCli(['invoke', target, '-o', 'json'], { env, timeoutMs: 180_000 });
    expect(out.code, out.stderr).toBe(0);
    return JSON.parse(out.stdout);
  };
  const schedule = (name: string): Promise<unknown> =>
    scheduler.send(new GetScheduleCommand({ Name: name }));

  it('deploys, invokes from pods, redeploys one function, deletes the one that left', async () => {
    const first = await deploy();
    expect(first.Functions.map((f) => [f.FunctionName, f.Action])).toEqual([
      [`${stack}-web`, 'created'],
      [`${stack}-worker`, 'created'],
    ]);
    expect(first.Unsupported).toEqual(['resource Orders (AWS::DynamoDB::Table)']);
    expect(await invoke(`${stack}-web:live`)).toMatchObject({
      ExecutedVersion: '1',
      Payload: { greeting: `hello from ${stack}`, stage: 'dev', shared: 'layer greets web' },
    });
    expect(await invoke(`${stack}-worker`)).toMatchObject({
      Payload: { peer: `${stack}-web`, shared: 'layer greets worker', v: 1 },
    });
    expect(await schedule(`${stack}-web-Nightly`)).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Target: { Arn: expect.stringMatching(new RegExp(`:function:${stack}-web:live$`)) as unknown },
    });
    expect(await schedule(`${stack}-worker-Every`)).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
    });

    appendFileSync(join(dir, 'worker', 'app.py'), '# changed\n');
    const second = await deploy();
    expect(second.Functions.map((f) => [f.FunctionName, f.Action, f.Changes])).toEqual([
      [`${stack}-web`, 'unchanged', []],
      [`${stack}-worker`, 'updated', ['Code']],
    ]);

    writeFileSync(join(dir, 'template.yaml'), samTemplate(false));
    const third = await deploy();
    expect(third.Deleted).toEqual([`${stack}-worker`]);
    expect(third.Functions.map((f) => f.Action)).toEqual(['unchanged']);
    expect((await runCli(['get', `${stack}-worker`], { env })).code).toBe(4);
    await expect(schedule(`${stack}-worker-Every`)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  }, 600_000);
});

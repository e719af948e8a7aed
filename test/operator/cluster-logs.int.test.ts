import { spawn } from 'node:child_process';

import { InvokeCommand } from '@aws-sdk/client-lambda';
import { eventually } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLI, runCli } from '../support/run-cli.js';
import { makeZip } from '../support/zip.js';
import {
  type ClusterLamina,
  startClusterLamina,
  type TestAccessKey,
} from './support/cluster-lamina.js';

// `lamina logs` against a cluster (issue #22, ADR 0038): the built CLI as a process, signed with
// an access key, asks the cluster gateway's logs API, which reads the worker pod's log through
// the API server — START/END/REPORT and the handler's own lines, per function and per request id,
// --filter, --since and --follow.

const admin: TestAccessKey = {
  accessKeyId: 'LOGSADMIN',
  secretAccessKey: 'logs-admin-secret-key',
  policy: { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
};
const reader: TestAccessKey = {
  accessKeyId: 'LOGSINVOKER',
  secretAccessKey: 'logs-invoker-secret-key',
  policy: { Statement: { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' } },
};

const HANDLER = `export const handler = async (event, context) => {
  console.log('marker', event.n, context.awsRequestId);
  return { n: event.n };
};
`;

describe('lamina logs against the test cluster', () => {
  const fn = 'logged';
  let lamina: ClusterLamina | undefined;
  let env: Record<string, string> = {};
  const ids: string[] = [];

  const invoke = async (n: number): Promise<string> => {
    const r = await lamina!.lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify({ n })) }),
    );
    expect(r.FunctionError).toBeUndefined();
    return r.$metadata.requestId ?? '';
  };

  beforeAll(async () => {
    lamina = await startClusterLamina({ name: 'logs', accessKeys: [admin, reader] });
    env = {
      LAMINA_ENDPOINT: lamina.gateway.url,
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
    };
    await lamina.createFunction(fn, makeZip({ 'index.mjs': HANDLER }));
    ids.push(await invoke(1), await invoke(2));
  }, 600_000);

  afterAll(async () => {
    await lamina?.stop();
  }, 120_000);

  it("prints a function's lines from its pod, START to REPORT", async () => {
    const out = await eventually(async () => {
      const r = await runCli(['logs', fn], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`REPORT RequestId: ${ids[1] ?? ''}`);
      return r.stdout;
    });
    for (const id of ids) {
      expect(out).toMatch(new RegExp(`^START RequestId: ${id} Version: \\$LATEST$`, 'm'));
      expect(out).toMatch(new RegExp(`\\t${id}\\tINFO\\tmarker \\d ${id}$`, 'm'));
      expect(out).toMatch(new RegExp(`^END RequestId: ${id}$`, 'm'));
      expect(out).toMatch(new RegExp(`^REPORT RequestId: ${id}\\tDuration: [\\d.]+ ms`, 'm'));
    }
  }, 120_000);

  it('selects one invocation, a filter and a time', async () => {
    const one = await runCli(['logs', fn, '--request-id', ids[0] ?? ''], { env });
    expect(one.code).toBe(0);
    const lines = one.stdout.trim().split('\n');
    expect(lines[0]).toBe(`START RequestId: ${ids[0] ?? ''} Version: $LATEST`);
    expect(lines.at(-1)).toMatch(/^REPORT RequestId: /);
    expect(one.stdout).not.toContain(ids[1] ?? '');
    const reports = await runCli(['logs', fn, '--filter', '^REPORT'], { env });
    expect(reports.stdout.trim().split('\n')).toHaveLength(2);
    const future = await runCli(
      ['logs', fn, '--since', new Date(Date.now() + 60_000).toISOString()],
      { env },
    );
    expect(future).toMatchObject({ code: 0, stdout: '' });
    const stamped = await runCli(['logs', fn, '--since', '10m', '--timestamps'], { env });
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z START RequestId: /m);
  }, 120_000);

  it('follows new invocations until interrupted', async () => {
    // --since reaches back over the CLI's own start-up, so the call below is inside the window
    // however slowly the process starts; older lines may print too, each once.
    const child = spawn(process.execPath, [CLI, 'logs', fn, '--follow', '--since', '5m'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const id = await invoke(3);
      await eventually(
        () => {
          expect(out, err).toContain(`REPORT RequestId: ${id}`);
          return true;
        },
        { timeoutMs: 60_000 },
      );
      expect(out.split(`START RequestId: ${id}`)).toHaveLength(2); // printed once
    } finally {
      child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
  }, 120_000);

  it('is an action of its own: an invoke-only key is refused, an unknown function is 404', async () => {
    const refused = await runCli(['logs', fn], {
      env: {
        ...env,
        AWS_ACCESS_KEY_ID: reader.accessKeyId,
        AWS_SECRET_ACCESS_KEY: reader.secretAccessKey,
      },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/AccessDeniedException: .*lamina:GetFunctionLogs/);
    const missing = await runCli(['logs', 'no-such-function'], { env });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/ResourceNotFoundException/);
  }, 60_000);
});

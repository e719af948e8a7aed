/**
 * The `lamina` CLI driven as a process: help and version of every command, the error for an
 * endpoint with nothing listening, and deploy → invoke → logs → delete against local mode, with
 * JSON output parsed back.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';

import { runCli } from '../support/run-cli.js';

const COMMANDS = [
  [],
  ['dev'],
  ['deploy'],
  ['list'],
  ['get'],
  ['delete'],
  ['invoke'],
  ['logs'],
  ['versions'],
  ['alias'],
  ['alias', 'list'],
  ['alias', 'set'],
  ['alias', 'delete'],
  ['concurrency'],
  ['concurrency', 'get'],
  ['concurrency', 'set'],
  ['concurrency', 'clear'],
  ['concurrency', 'provisioned'],
  ['mappings'],
  ['mappings', 'list'],
  ['mappings', 'get'],
  ['mappings', 'delete'],
  ['mappings', 'enable'],
  ['mappings', 'disable'],
  ['queue'],
  ['queue', 'read'],
  ['profile'],
  ['profile', 'set'],
  ['profile', 'list'],
  ['completion'],
];

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) =>
    server.close(() => {
      r();
    }),
  );
  return port;
}

describe('lamina CLI: help, version, errors', () => {
  it.each(COMMANDS.map((c) => [c.join(' ') || '(none)', c] as const))(
    '%s --help prints usage and exits 0',
    async (_label, path) => {
      const out = await runCli([...path, '--help']);
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout).toContain(`Usage: lamina${path.length === 0 ? '' : ` ${path.join(' ')}`}`);
    },
  );

  it('--version prints the version and exits 0, on the program and with a command', async () => {
    const out = await runCli(['--version']);
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('says what it tried and what to do when nothing listens (exit 3)', async () => {
    const port = await closedPort();
    const out = await runCli(['list', '--endpoint', `http://127.0.0.1:${port}`]);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain(`could not reach http://127.0.0.1:${port}`);
    expect(out.stderr).toContain('is `lamina dev` running?');
    const viaEnv = await runCli(['invoke', 'f'], {
      env: { LAMINA_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    expect(viaEnv.code).toBe(3);
  });

  it('exits 2 on usage errors, naming the problem', async () => {
    const out = await runCli(['invoke']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("missing required argument 'function'");
    const bad = await runCli(['list', '--output', 'yaml']);
    expect(bad.code).toBe(2);
  });

  it('prints bash and zsh completions naming the commands', async () => {
    for (const shell of ['bash', 'zsh']) {
      const out = await runCli(['completion', shell]);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('complete -o default -F _lamina_complete lamina');
      expect(out.stdout).toContain('deploy');
    }
  });

  it('is linked as node_modules/.bin/lamina, so `npx lamina` runs it from the checkout', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const bin = join(root, 'node_modules', '.bin', 'lamina');
    // npm links cli/bin/lamina.js, which exists before any build (a missing target is not linked).
    expect(realpathSync(bin)).toBe(join(root, 'cli', 'bin', 'lamina.js'));
    const out = await runCli(['--version']);
    const viaBin = execFileSync(bin, ['--version'], { encoding: 'utf8' });
    expect(viaBin).toBe(out.stdout);
  });
});

describe('lamina CLI against local mode', () => {
  let lamina: LaminaProcess;
  let env: Record<string, string>;
  const work = mkdtempSync(join(tmpdir(), 'lamina-cli-'));

  beforeAll(async () => {
    lamina = await startLamina({ cwd: work });
    env = { LAMINA_ENDPOINT: lamina.url, HOME: work };
  });
  afterAll(async () => {
    await lamina.stop();
  });

  it('deploys a folder, invokes it, shows its logs and deletes it', async () => {
    const name = uniqueName('cli');
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'index.js'),
      `exports.handler = async (e) => { console.log('saw', e.n); if (e.fail) throw new Error('boom'); return { n: e.n, color: process.env.COLOR }; };\n`,
    );
    const deployed = await runCli(
      ['deploy', dir, '--env', 'COLOR=blue', '--alias', 'live', '-o', 'json'],
      { env },
    );
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(JSON.parse(deployed.stdout)).toMatchObject({
      FunctionName: name,
      Action: 'created',
      Version: '1',
      Alias: 'live',
      State: 'Active',
    });

    const again = await runCli(
      ['deploy', dir, '--env', 'COLOR=blue', '--alias', 'live', '-o', 'json'],
      { env },
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ Action: 'unchanged', Version: '1' });

    const list = await runCli(['list', '-o', 'json'], { env });
    const functions = (JSON.parse(list.stdout) as { Functions: { FunctionName: string }[] })
      .Functions;
    expect(functions.map((f) => f.FunctionName)).toContain(name);
    const table = await runCli(['list'], { env });
    expect(table.stdout).toMatch(new RegExp(`^${name}\\s+nodejs22.x\\s+index.handler`, 'm'));

    const invoked = await runCli(
      ['invoke', `${name}:live`, '--payload', '{"n":7}', '--tail', '-o', 'json'],
      { env },
    );
    expect(invoked.code, invoked.stderr).toBe(0);
    expect(JSON.parse(invoked.stdout)).toMatchObject({
      StatusCode: 200,
      ExecutedVersion: '1',
      Payload: { n: 7, color: 'blue' },
    });
    expect((JSON.parse(invoked.stdout) as { LogResult: string }).LogResult).toContain('saw 7');

    const fromStdin = await runCli(['invoke', name, '--payload-file', '-'], {
      env,
      input: '{"n":8}',
    });
    expect(JSON.parse(fromStdin.stdout)).toEqual({ n: 8, color: 'blue' });

    const queued = await runCli(['invoke', name, '--async', '--payload', '{"n":9}', '-o', 'json'], {
      env,
    });
    expect(queued.code, queued.stderr).toBe(0);
    expect(JSON.parse(queued.stdout)).toMatchObject({ StatusCode: 202 });

    const failed = await runCli(['invoke', name, '--payload', '{"fail":true}'], { env });
    expect(failed.code).toBe(5);
    expect(failed.stdout).toContain('boom');

    // `lamina logs` finds the state folder of `lamina dev` from its working folder, no LAMINA_STATE_DIR.
    await eventually(
      async () => {
        const logs = await runCli(['logs', name, '--filter', 'saw'], {
          env: { HOME: work },
          cwd: work,
        });
        expect(logs.code, logs.stderr).toBe(0);
        expect(logs.stdout, logs.stdout).toContain('saw 7');
        expect(logs.stdout).toContain('saw 8');
        expect(logs.stdout).toContain('saw 9'); // the queued event ran
        return true;
      },
      { what: 'the function log', timeoutMs: 90_000 },
    );
    const since = await runCli(
      ['logs', name, '--since', '2000-01-01T00:00:00Z', '--filter', 'saw 8'],
      { env: { HOME: work }, cwd: work },
    );
    expect(since.stdout.trim().split('\n')).toHaveLength(1);
    // With a gateway named (LAMINA_ENDPOINT), the same lines come from its logs API (ADR 0038).
    const remote = await runCli(['logs', name, '--filter', 'saw 8'], { env, cwd: work });
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stdout.trim().split('\n')).toEqual([expect.stringMatching(/\tINFO\tsaw 8/)]);
    const id = /^START RequestId: (\S+)/m.exec(
      (await runCli(['logs', name, '--filter', '^START'], { env })).stdout,
    )?.[1];
    const one = await runCli(['logs', name, '--request-id', id ?? ''], { env });
    expect(one.stdout).toMatch(/^START RequestId: .*\n(.*\n)*REPORT RequestId: /);
    expect(one.stdout.match(/^START /gm)).toHaveLength(1);

    const versions = await runCli(['versions', name, '-o', 'json'], { env });
    expect(
      (JSON.parse(versions.stdout) as { Versions: { Version: string }[] }).Versions.map(
        (v) => v.Version,
      ),
    ).toEqual(['$LATEST', '1']);

    const deleted = await runCli(['delete', name], { env });
    expect(deleted.code, deleted.stderr).toBe(0);
    const gone = await runCli(['get', name], { env });
    expect(gone.code).toBe(4);
    expect(gone.stderr).toContain('ResourceNotFoundException');
  });

  it('uses a named profile for the endpoint', async () => {
    const config = join(work, 'profiles.json');
    const set = await runCli(['profile', 'set', 'local', '--endpoint', lamina.url], {
      env: { LAMINA_CONFIG: config },
    });
    expect(set.code, set.stderr).toBe(0);
    const out = await runCli(['--profile', 'local', 'list', '-o', 'json'], {
      env: { LAMINA_CONFIG: config },
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toHaveProperty('Functions');
  });
});

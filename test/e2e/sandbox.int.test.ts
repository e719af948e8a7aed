/**
 * Local mode's sandbox (ADR 0029, issue #17) through the unmodified AWS SDK: a handler sees
 * Lambda's filesystem (`/var/task`, `/opt`, `/tmp`) and the runtime's own files, nothing of the
 * user's home, Lamina's state or another function's code; `/tmp` is as large as
 * `EphemeralStorage`; 1,024 open files and 1,024 processes/threads; a fork bomb is contained and
 * its environment replaced within the function's timeout. Runs where bubblewrap runs (the
 * suite fails, not skips, when `lamina dev` fell back to plain processes).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';

import { setupRuntimes } from '../runtimes/support/runtime-support.js';
import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

const SETUP_TIMEOUT_MS = 900_000;

const nodeCode = makeZip({
  'index.js': `
const fs = require('node:fs');
const { spawn, spawnSync } = require('node:child_process');
const pids = () => fs.readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).length;
exports.look = async (event) => {
  let writeTask = 'written';
  try { fs.writeFileSync('/var/task/x', 'x'); } catch (err) { writeTask = err.code; }
  return {
    taskRoot: process.env.LAMBDA_TASK_ROOT,
    cwd: process.cwd(),
    tmpdir: process.env.TMPDIR,
    stack: new Error('where').stack.split('\\n')[1],
    writeTask,
    home: (() => { try { return fs.readdirSync(event.home); } catch (err) { return err.code; } })(),
    visible: Object.fromEntries(event.paths.map((p) => [p, fs.existsSync(p)])),
  };
};
exports.fill = async () => {
  const chunk = Buffer.alloc(1024 * 1024, 1);
  const fd = fs.openSync('/tmp/fill', 'w');
  let mb = 0;
  try { for (;;) { fs.writeSync(fd, chunk); mb += 1; } }
  catch (err) { return { code: err.code, mb }; }
  finally { fs.closeSync(fd); fs.rmSync('/tmp/fill', { force: true }); }
};
exports.files = async () => {
  const fds = [];
  let code;
  try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch (err) { code = err.code; }
  fs.closeSync(fds.pop());
  const open = fs.readdirSync('/proc/self/fd').length - 1; // less the directory being read
  for (const fd of fds) fs.closeSync(fd);
  return { code, open: open + 1 };
};
exports.processes = async () => {
  // Background sleeps until the kernel refuses forks (the shell reports and goes on), then count.
  // The sleeps outlive the loop even on a loaded machine; 'finished' says the loop ran to its end.
  const loop = spawnSync('/bin/sh', ['-c', 'i=0; while [ $i -lt 1100 ]; do sleep 300 & i=$((i+1)); done'], { stdio: 'ignore', timeout: 100000 });
  const procs = fs.readdirSync('/proc').filter((n) => /^\\d+$/.test(n));
  const comm = (p) => { try { return fs.readFileSync('/proc/' + p + '/comm', 'utf8').trim(); } catch { return ''; } };
  const threads = (p) => { try { return fs.readdirSync('/proc/' + p + '/task').length; } catch { return 0; } };
  return { finished: loop.signal === null, sleeps: procs.filter((p) => comm(p) === 'sleep').length, tasks: procs.reduce((n, p) => n + threads(p), 0) };
};
exports.bomb = async (event) => {
  if (!event.bomb) return { pids: pids() };
  spawn('/bin/sh', ['-c', 'f() { f | f & }; f'], { stdio: 'ignore' });
  for (;;) await new Promise((r) => setTimeout(r, 500));
};
`,
});

const pythonCode = makeZip({
  'app.py': `import os, sys, traceback
def handler(event, context):
    return {
        "taskRoot": os.environ.get("LAMBDA_TASK_ROOT"),
        "cwd": os.getcwd(),
        "version": "%d.%d" % sys.version_info[:2],
        "file": __file__,
        "visible": {p: os.path.exists(p) for p in event["paths"]},
    }
`,
});

describe('the local sandbox through @aws-sdk/client-lambda', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;
  const secret = join(homedir(), `.${uniqueName('lamina-sandbox-secret')}`);

  beforeAll(async () => {
    await setupRuntimes('python');
    await writeFile(secret, 'not for functions');
    lamina = await startLamina();
    client = lambdaClient(lamina.url);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    client.destroy();
    await lamina.stop();
    await rm(secret, { force: true });
  });

  const create = async (
    runtime: string,
    handler: string,
    zip: Buffer,
    extra: { Timeout?: number; EphemeralStorage?: { Size: number } } = {},
  ): Promise<string> => {
    const name = uniqueName('sandbox');
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: runtime as Runtime,
        Handler: handler,
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zip },
        Timeout: 10,
        ...extra,
      }),
    );
    return name;
  };

  const invoke = async (name: string, event: unknown = {}) => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(event), LogType: 'Tail' }),
    );
    const text = Buffer.from(out.Payload ?? []).toString('utf8');
    return {
      error: out.FunctionError,
      body: JSON.parse(text) as Record<string, unknown>,
      log: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8'),
    };
  };

  /** Paths a function must not see: the home's files, the state dir, another function's code. */
  const forbidden = (otherZip: Buffer): string[] => [
    secret,
    lamina.stateDir,
    join(lamina.stateDir, 'code', createHash('sha256').update(otherZip).digest('hex')),
    join(testEnv.cacheDir(), 'rootfs'),
    '/etc/shadow',
  ];
  /** What of the home a runtime from the home's cache sees: the path down to its files. */
  const homeSkeleton = (listing: unknown): void => {
    if (typeof listing === 'string') expect(listing).toBe('ENOENT');
    else expect((listing as string[]).filter((n) => !testEnv.cacheDir().includes(n))).toEqual([]);
  };

  it('a Node.js handler sees /var/task, /tmp and its runtime, nothing else of the host', async () => {
    const other = await create('python3.11', 'app.handler', pythonCode);
    const name = await create('nodejs22.x', 'index.look', nodeCode);
    const hidden = forbidden(pythonCode);
    const { error, body } = await invoke(name, {
      paths: [...hidden, '/var/task/index.js'],
      home: homedir(),
    });
    expect(error, JSON.stringify(body)).toBeUndefined();
    expect(body).toMatchObject({
      taskRoot: '/var/task',
      cwd: '/var/task',
      tmpdir: '/tmp',
      writeTask: 'EROFS',
    });
    homeSkeleton(body['home']);
    expect(body['stack']).toContain('/var/task/index.js');
    expect(body['visible']).toEqual({
      ...Object.fromEntries(hidden.map((p) => [p, false])),
      '/var/task/index.js': true,
    });
    // The other function, python3.11 on the host's interpreter, is boxed the same way.
    const py = await invoke(other, { paths: [...forbidden(nodeCode), '/var/task/app.py'] });
    expect(py.error, JSON.stringify(py.body)).toBeUndefined();
    expect(py.body).toMatchObject({ taskRoot: '/var/task', cwd: '/var/task', version: '3.11' });
    expect(py.body['file']).toBe('/var/task/app.py');
    expect(py.body['visible']).toEqual({
      ...Object.fromEntries(forbidden(nodeCode).map((p) => [p, false])),
      '/var/task/app.py': true,
    });
  });

  it('writing past EphemeralStorage fails with ENOSPC, and the next call still works', async () => {
    const name = await create('nodejs22.x', 'index.fill', nodeCode, {
      EphemeralStorage: { Size: 600 },
    });
    const first = await invoke(name);
    expect(first.error).toBeUndefined();
    expect(first.body['code']).toBe('ENOSPC');
    expect(first.body['mb']).toBeGreaterThanOrEqual(590);
    expect(first.body['mb']).toBeLessThanOrEqual(600);
    const second = await invoke(name);
    expect(second.body).toEqual(first.body);
  });

  it('the 1,025th open file fails with EMFILE', async () => {
    const name = await create('nodejs22.x', 'index.files', nodeCode);
    const { error, body } = await invoke(name);
    expect(error).toBeUndefined();
    expect(body).toEqual({ code: 'EMFILE', open: 1024 });
  });

  it('processes and threads stop at 1,024', async () => {
    const name = await create('nodejs22.x', 'index.processes', nodeCode, { Timeout: 120 });
    const { error, body } = await invoke(name);
    expect(error, JSON.stringify(body)).toBeUndefined();
    // The loop tried 1,100 forks (slow on a loaded machine, so its deadline is generous). The
    // runtime's own threads count too: fewer than 1,024 sleeps get started, and all the
    // sandbox's tasks together stay at 1,024.
    expect(body['finished'], JSON.stringify(body)).toBe(true);
    expect(body['sleeps']).toBeGreaterThan(900);
    expect(body['sleeps']).toBeLessThan(1024);
    expect(body['tasks']).toBeLessThanOrEqual(1024);
  }, 150_000);

  it('a fork bomb is contained, times out, and the environment is replaced', async () => {
    const name = await create('nodejs22.x', 'index.bomb', nodeCode, { Timeout: 3 });
    const started = Date.now();
    const bombed = await invoke(name, { bomb: true });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(bombed.error).toBe('Unhandled');
    expect(bombed.body['errorMessage']).toContain('Task timed out after 3.00 seconds');
    // The next call gets a new environment of the same function: nothing of the bomb is in it.
    const after = await invoke(name, { bomb: false });
    expect(after.error).toBeUndefined();
    expect(after.body['pids']).toBeLessThan(5);
  }, 60_000);

  // python3.13 has no interpreter on a Debian 12 host: it runs from its image's root filesystem
  // (runtimes/images/export-rootfs.sh python3.13), exported where the runtime image exists.
  const py313 = existsSync(join(testEnv.cacheDir(), 'rootfs/python3.13/var/runtime/bootstrap'));
  it.runIf(py313)('python3.13 runs from its exported root filesystem, boxed too', async () => {
    const name = await create('python3.13', 'app.handler', pythonCode);
    // Its /etc is the image's own: the host's /etc/shadow is not what it would see.
    const hidden = forbidden(nodeCode).filter((p) => !p.startsWith('/etc/'));
    const { error, body } = await invoke(name, { paths: hidden });
    expect(error, JSON.stringify(body)).toBeUndefined();
    expect(body).toMatchObject({ taskRoot: '/var/task', cwd: '/var/task', version: '3.13' });
    expect(body['visible']).toEqual(Object.fromEntries(hidden.map((p) => [p, false])));
  });
});

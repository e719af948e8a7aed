import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import { basicDir, bootstrapPath, ensureRuntimeBuilt, isAlive } from './test-support/fixtures.js';

/**
 * A stand-in for `lamina dev`: serves one invocation of a long-running handler to a runtime it
 * spawns, prints the runtime's pid, then waits to be killed.
 */
const PARENT = `
const http = require('node:http');
const { spawn } = require('node:child_process');
const [node, bootstrap, taskRoot] = process.argv.slice(1);
const server = http.createServer((req, res) => {
  if (!req.url.endsWith('/next')) return void res.writeHead(202).end('{}');
  res.writeHead(200, {
    'Lambda-Runtime-Aws-Request-Id': 'r1',
    'Lambda-Runtime-Deadline-Ms': String(Date.now() + 60000),
  });
  res.end('{"ms":60000}');
});
server.listen(0, '127.0.0.1', () => {
  const child = spawn(node, [bootstrap], {
    cwd: taskRoot,
    stdio: 'ignore',
    env: {
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:' + server.address().port,
      _HANDLER: 'sleep.handler',
      LAMBDA_TASK_ROOT: taskRoot,
    },
  });
  process.stdout.write(child.pid + '\\n');
});
`;

describe('runtime processes', { timeout: 20_000 }, () => {
  beforeAll(() => {
    ensureRuntimeBuilt();
  }, 60_000);

  it('exit when the platform process is killed mid-invocation', async () => {
    const parent = spawn(
      process.execPath,
      ['-e', PARENT, process.execPath, bootstrapPath, basicDir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const pid = await new Promise<number>((resolve) => {
      parent.stdout.once('data', (d: Buffer) => {
        resolve(Number(d.toString().trim()));
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await eventually(() => !isAlive(pid), { timeoutMs: 5000 });
  });
});

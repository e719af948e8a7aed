import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import { endWithParentLauncher } from './sandbox/runtime-placement.js';
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

/** A stand-in for lamina dev's plain placements: any command, detached as RuntimeProcess does. */
const DETACHING_PARENT = `
const child = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), {
  detached: true,
  stdio: 'ignore',
});
process.stdout.write(child.pid + '\\n');
setInterval(() => {}, 1000);
`;

/** Spawns `node -e script …args`, resolves with the pid its child printed. */
async function parentOf(script: string, args: readonly string[]) {
  const parent = spawn(process.execPath, ['-e', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = await new Promise<number>((resolve) => {
    parent.stdout.once('data', (d: Buffer) => {
      resolve(Number(d.toString().trim()));
    });
  });
  return { parent, pid };
}

describe('runtime processes', { timeout: 20_000 }, () => {
  beforeAll(() => {
    ensureRuntimeBuilt();
  }, 60_000);

  it('exit when the platform process is killed mid-invocation', async () => {
    const { parent, pid } = await parentOf(PARENT, [process.execPath, bootstrapPath, basicDir]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await eventually(() => !isAlive(pid), { timeoutMs: 5000 });
  });

  // Any runtime (a shell bootstrap looping on /next would spin forever), in a process group of
  // its own: lamina dev's plain placements start it through endWithParentLauncher.
  it.runIf(endWithParentLauncher().length > 0)(
    'of any kind end with lamina dev killed outright when started through endWithParentLauncher',
    async () => {
      const { parent, pid } = await parentOf(DETACHING_PARENT, [
        ...endWithParentLauncher(),
        'sleep',
        '60',
      ]);
      expect(isAlive(pid)).toBe(true);
      parent.kill('SIGKILL');
      await eventually(() => !isAlive(pid), { timeoutMs: 5000 });
    },
  );
});

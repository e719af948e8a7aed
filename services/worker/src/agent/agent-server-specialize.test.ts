import type { AddressInfo } from 'node:net';

import { AGENT_SPECIALIZE_PATH } from '@lamina/core';
import { afterEach, describe, expect, it } from 'vitest';

import { quietLogger } from '../test-support/fixtures.js';
import { createAgentServer } from './agent-server.js';
import { GenericAgent } from './generic-agent.js';
import { WorkerAgent } from './worker-agent.js';

// The specialise route of a generic pod's agent server: one request wins, the rest are refused.

const logger = { ...quietLogger, child: () => quietLogger };
const body = JSON.stringify({
  functionName: 'hello',
  version: '$LATEST',
  runtime: 'nodejs22.x',
  handler: 'index.handler',
  memorySizeMb: 128,
  timeoutSeconds: 3,
  ephemeralStorageMb: 512,
  environment: {},
  codeSha256Hex: 'a'.repeat(64),
});

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(withRoute: boolean): Promise<string> {
  const generic = new GenericAgent({
    runtime: 'nodejs22.x',
    idleMs: 60_000,
    logger: quietLogger,
    fetchCode: () =>
      new Promise((resolve) =>
        setTimeout(() => {
          resolve('/code');
        }, 20),
      ),
    become: (r) =>
      new WorkerAgent({
        target: { functionName: r.functionName, version: r.version },
        pool: {
          invoke: () => Promise.reject(new Error('not here')),
          close: () => Promise.resolve(),
        },
        lookup: () => Promise.resolve({ kind: 'missing', reason: 'test' }),
        logger: quietLogger,
      }),
  });
  const server = createAgentServer({
    agent: generic,
    logger,
    ...(withRoute ? { specialize: (b: Buffer) => generic.specialize(b) } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

describe('agent server: POST /v1/specialize', () => {
  it('answers 200 to exactly one of concurrent requests and 409 claimed to the others', async () => {
    const url = await serve(true);
    expect(await (await fetch(`${url}/readyz`)).text()).toBe('generic nodejs22.x environment');
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(`${url}${AGENT_SPECIALIZE_PATH}`, { method: 'POST', body }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { refusal?: string },
        })),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.refusal === 'claimed')).toBe(
      true,
    );
    expect(
      (await fetch(`${url}${AGENT_SPECIALIZE_PATH}`, { method: 'POST', body: '{' })).status,
    ).toBe(400);
  });

  it('is not served by a version pod (404)', async () => {
    const url = await serve(false);
    expect((await fetch(`${url}${AGENT_SPECIALIZE_PATH}`, { method: 'POST', body })).status).toBe(
      404,
    );
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { AGENT_HEADERS, type Invocation } from '@lamina/core';
import { eventually } from '@lamina/testkit';
import { afterEach, describe, expect, it } from 'vitest';

import { closedPort } from '../test-support/fake-agents.js';
import { AgentUnreachableError, HttpAgentClient } from './agent-client.js';

const invocation: Invocation = {
  requestId: 'r-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
  payload: Buffer.from('{}'),
  tailLog: true,
  deadlineMs: Date.now() + 60_000,
};
const target = { functionName: 'hello', version: '$LATEST' };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => {
    if (server === undefined) resolve();
    else
      server.close(() => {
        resolve();
      });
  });
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('HttpAgentClient', () => {
  it('maps a 200 with core parseResult (function error, log)', async () => {
    const port = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        [AGENT_HEADERS.functionError]: 'Unhandled',
        [AGENT_HEADERS.errorType]: 'Error',
        [AGENT_HEADERS.log]: Buffer.from('START\n').toString('base64'),
        [AGENT_HEADERS.durationMs]: '12',
      });
      res.end('{"errorMessage":"x"}');
    });
    const client = new HttpAgentClient({ maxResponseBytes: 1000 });
    const answer = await client.invoke({
      ip: '127.0.0.1',
      port,
      target,
      invocation,
      timeoutMs: 5000,
    });
    client.close();
    expect(answer).toMatchObject({
      kind: 'result',
      result: {
        functionError: 'Unhandled',
        errorType: 'Error',
        log: 'START\n',
        durationMs: 12,
        executedVersion: '$LATEST',
      },
    });
  });

  it('forget closes the idle pooled connection to a pod (its stopping agent then exits)', async () => {
    const closed: string[] = [];
    const port = await serve((req, res) => {
      req.socket.once('close', () => closed.push('closed'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const client = new HttpAgentClient({ maxResponseBytes: 1000 });
    const call = () =>
      client.invoke({ ip: '127.0.0.1', port, target, invocation, timeoutMs: 5000 });
    expect((await call()).kind).toBe('result');
    client.forget('127.0.0.1', port + 1); // another pod: nothing happens
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toEqual([]);
    client.forget('127.0.0.1', port);
    await eventually(() => {
      expect(closed).toEqual(['closed']);
      return true;
    });
    // The next call opens a new connection.
    expect((await call()).kind).toBe('result');
    client.close();
  });

  it('cuts an answer at maxResponseBytes (the invoke route then answers "too large")', async () => {
    const port = await serve((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(64 * 1024, 'x'));
    });
    const client = new HttpAgentClient({ maxResponseBytes: 1001 });
    const answer = await client.invoke({
      ip: '127.0.0.1',
      port,
      target,
      invocation,
      timeoutMs: 5000,
    });
    client.close();
    expect(answer.kind === 'result' && answer.result.payload.length).toBe(1001);
  });

  it('says "unreachable" when the connection is refused: nothing was sent', async () => {
    const port = await closedPort();
    const client = new HttpAgentClient({ maxResponseBytes: 1000 });
    const err = await client
      .invoke({ ip: '127.0.0.1', port, target, invocation, timeoutMs: 5000 })
      .catch((e: unknown) => e);
    client.close();
    expect(err).toBeInstanceOf(AgentUnreachableError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

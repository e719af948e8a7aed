/**
 * The request time limits as `lamina dev` applies them (LAMINA_HEADERS_TIMEOUT_MS,
 * LAMINA_REQUEST_TIMEOUT_MS): a client that announces more body than it sends, or never ends its
 * headers, is answered 408 and disconnected within the bound, and /metrics counts it. Raw sockets:
 * no SDK sends such a request. Small bounds keep the suite fast.
 */
import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLamina, type LaminaProcess } from '@lamina/testkit';

const HEADERS_MS = 300;
const REQUEST_MS = 600;

/** Writes `data` and resolves with what came back once the server closed the connection. */
function stall(port: number, data: string): Promise<{ answer: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      resolve({ answer, ms: performance.now() - started });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server never closed the stalled connection'));
    }, 10_000).unref();
  });
}

describe('lamina dev bounds the time a request may take to arrive', () => {
  let lamina: LaminaProcess;

  beforeAll(async () => {
    lamina = await startLamina({
      env: {
        LAMINA_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
        LAMINA_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
      },
    });
  });
  afterAll(async () => {
    await lamina.stop();
  });

  it('answers 408 to a body shorter than its Content-Length', async () => {
    const r = await stall(
      lamina.port,
      'PUT /2015-03-31/functions/x/configuration HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"Timeout":',
    );
    expect(r.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(r.ms).toBeLessThan(REQUEST_MS + 1500);
  });

  it('answers 408 to headers that never end; /metrics counts both', async () => {
    const r = await stall(lamina.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
    expect(r.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.ms).toBeLessThan(HEADERS_MS + 1500);
    const metrics = await (await fetch(`${lamina.url}/metrics`)).text();
    expect(metrics).toMatch(/lamina_gateway_request_timeouts_total\{phase="body"\} 1\b/);
    expect(metrics).toMatch(/lamina_gateway_request_timeouts_total\{phase="headers"\} 1\b/);
  });
});

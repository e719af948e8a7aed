import type { AddressInfo } from 'node:net';

import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { createHttpServer } from './http-server.js';
import { createMetrics } from './metrics.js';

describe('operator HTTP server', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('serves /healthz, /readyz (503 while stopping) and /metrics', async () => {
    const registry = new Registry();
    createMetrics(registry).leader.set(1);
    let ready = true;
    const server = createHttpServer({ port: 0, registry, ready: () => ready });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    close = () => server.close();
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    ready = false;
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('lamina_operator_leader 1');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

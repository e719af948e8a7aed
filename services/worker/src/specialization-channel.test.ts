/** Lamina's specialization request on a generic environment's Runtime API server (ADR 0019). */
import { afterEach, describe, expect, it } from 'vitest';

import { RuntimeApiServer } from './runtime-api-server.js';

const BASE = '/2018-06-01/runtime';
const spec = { environment: { A: '1' }, taskRoot: '/var/task', handler: 'index.handler' };

describe('SpecializationChannel', () => {
  const servers: RuntimeApiServer[] = [];
  const seen: string[] = [];

  function server(generic: boolean): RuntimeApiServer {
    const s = new RuntimeApiServer({
      events: {
        onInitDone: () => seen.push('init-done'),
        onInitError: () => seen.push('init-error'),
      },
      ...(generic
        ? {
            specialization: {
              onWaiting: () => seen.push('waiting'),
              onApplied: () => seen.push('applied'),
            },
          }
        : {}),
    });
    servers.push(s);
    return s;
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    seen.length = 0;
  });

  it('parks the request until specialised, then lets init proceed once applied', async () => {
    const s = server(true);
    const api = `http://${await s.listen()}${BASE}`;
    expect(
      (await fetch(`${api}/invocation/next`, { signal: AbortSignal.timeout(2000) })).status,
    ).toBe(403);
    const parked = fetch(`${api}/lamina/specialization`);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['waiting']);
    expect(s.specialization?.specialize(spec)).toBe(true);
    const answer = await parked;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(spec);
    expect(s.specialization?.specialize(spec)).toBe(false);
    const applied = await fetch(`${api}/lamina/specialization`, { method: 'POST', body: '{}' });
    expect(applied.status).toBe(202);
    expect(seen).toEqual(['waiting', 'applied']);
    // Each step once.
    expect((await fetch(`${api}/lamina/specialization`)).status).toBe(403);
    const next = fetch(`${api}/invocation/next`);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['waiting', 'applied', 'init-done']);
    await s.close();
    await next.catch(() => undefined);
  });

  it('answers a specialization given before the runtime asked as soon as it asks', async () => {
    const s = server(true);
    const api = `http://${await s.listen()}${BASE}`;
    expect(s.specialization?.specialize(spec)).toBe(true);
    const answer = await fetch(`${api}/lamina/specialization`);
    expect(await answer.json()).toEqual(spec);
    expect(seen).toEqual([]);
  });

  it('is not served by the server of an ordinary environment', async () => {
    const s = server(false);
    const api = `http://${await s.listen()}${BASE}`;
    expect(s.specialization).toBeUndefined();
    expect((await fetch(`${api}/lamina/specialization`)).status).toBe(404);
  });
});

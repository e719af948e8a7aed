import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ENVIRONMENT_TOKEN_HEADER } from '@lamina/core';
import { afterEach, describe, expect, it } from 'vitest';

import { fetchSealedEnvironment, SealedEnvironmentError } from './sealed-environment.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise((r) => {
    if (server === undefined) r(undefined);
    else server.close(r);
  });
  server = undefined;
});

/** A gateway stand-in answering each request with the next of `answers`. */
async function gateway(answers: [number, unknown][]): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  server = createServer((req, res) => {
    seen.push(`${req.url ?? ''} ${String(req.headers[ENVIRONMENT_TOKEN_HEADER])}`);
    const [status, body] = answers.shift() ?? [500, {}];
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(status === 200 ? {} : { 'x-amzn-errortype': 'KMSNotFoundException' }),
    });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${String(port)}`, seen };
}

describe('fetchSealedEnvironment (ADR 0046)', () => {
  it('fetches the Secret with its token, retrying a failed answer', async () => {
    const g = await gateway([
      [502, { Message: 'no key' }],
      [200, { variables: { A: '1' } }],
    ]);
    const retries: string[] = [];
    const variables = await fetchSealedEnvironment({
      baseUrl: `${g.url}/`,
      secretName: 'f-vars-1',
      token: 't0k',
      baseDelayMs: 1,
      onRetry: (_, reason) => retries.push(reason),
    });
    expect(variables).toEqual({ A: '1' });
    expect(g.seen).toEqual([
      '/lamina/v1/environment/f-vars-1 t0k',
      '/lamina/v1/environment/f-vars-1 t0k',
    ]);
    expect(retries[0]).toMatch(/502 KMSNotFoundException/);
  });

  it('gives up after its attempts with the last reason, never returning partial variables', async () => {
    const g = await gateway([
      [502, {}],
      [200, { variables: { A: 1 } }],
    ]);
    const err = await fetchSealedEnvironment({
      baseUrl: g.url,
      secretName: 's',
      token: undefined,
      attempts: 2,
      baseDelayMs: 1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SealedEnvironmentError);
    expect((err as Error).message).toMatch(/no map of variables/);
  });

  it('refuses at once without the gateway URL', async () => {
    await expect(
      fetchSealedEnvironment({ baseUrl: undefined, secretName: 's', token: 't' }),
    ).rejects.toThrow(/LAMINA_SEALED_ENVIRONMENT_URL/);
  });
});

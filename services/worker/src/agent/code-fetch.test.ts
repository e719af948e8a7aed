import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { CodeDelivery } from './code-delivery.js';
import { CodeFetchError, fetchCode } from './code-fetch.js';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A zip made by the `zip` tool: index.js, and a set-uid `run.sh`. */
function makeZip(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'code-fetch-src-'));
  try {
    writeFileSync(path.join(dir, 'index.js'), 'exports.handler = async () => 1;\n');
    writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(path.join(dir, 'run.sh'), 0o4755);
    return execFileSync('zip', ['-q', '-X', '-', 'index.js', 'run.sh'], { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const zip = makeZip();
const hex = createHash('sha256').update(zip).digest('hex');

interface Seen {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
/** What the server answers next: a status per request, then 200 with `body`. */
let plan: number[] = [];
let body: Buffer = zip;
let cacheDir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const status = plan.shift() ?? 200;
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'text/plain' }).end('Code package not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => {
  server.close();
});

afterEach(() => {
  seen = [];
  plan = [];
  body = zip;
  rmSync(cacheDir, { recursive: true, force: true });
});

const fresh = (): string => (cacheDir = mkdtempSync(path.join(tmpdir(), 'code-fetch-cache-')));

describe('fetchCode', () => {
  it('downloads by hex with the token, checks the hash and unpacks with Lambda modes', async () => {
    const dir = await fetchCode({ baseUrl, sha256Hex: hex, token: 'tok', cacheDir: fresh() });
    expect(dir).toBe(path.join(cacheDir, hex));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe(`/lamina/v1/code/${hex}`);
    expect(seen[0]?.headers['x-lamina-code-token']).toBe('tok');
    expect(readFileSync(path.join(dir, 'index.js'), 'utf8')).toContain('exports.handler');
    expect(statSync(path.join(dir, 'index.js')).mode & 0o7777).toBe(0o644);
    // The set-uid bit never reaches the disk; the executable bit does.
    expect(statSync(path.join(dir, 'run.sh')).mode & 0o7777).toBe(0o755);
    // Nothing left beside the code (the private unpacking folder was renamed).
    expect(readdirSync(cacheDir)).toEqual([hex]);
  });

  it('uses code already in place without downloading', async () => {
    await fetchCode({ baseUrl, sha256Hex: hex, token: undefined, cacheDir: fresh() });
    await fetchCode({ baseUrl, sha256Hex: hex, token: undefined, cacheDir });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['x-lamina-code-token']).toBeUndefined();
  });

  it('refuses a zip whose SHA-256 is not the configured one and leaves nothing', async () => {
    const other = 'f'.repeat(64);
    const err = await fetchCode({ baseUrl, sha256Hex: other, token: 't', cacheDir: fresh() }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CodeFetchError);
    expect((err as Error).message).toMatch(new RegExp(`SHA-256 is ${hex}, not ${other}; not used`));
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('says what the server answered', async () => {
    plan = [403];
    await expect(
      fetchCode({ baseUrl, sha256Hex: hex, token: 'bad', cacheDir: fresh() }),
    ).rejects.toThrow(/answered 403: Code package not found/);
  });

  it('refuses a download over the zip limit and an unsafe archive', async () => {
    await expect(
      fetchCode({ baseUrl, sha256Hex: hex, token: 't', cacheDir: fresh(), maxZipBytes: 10 }),
    ).rejects.toThrow(/larger than 10 bytes/);
    await expect(
      fetchCode({
        baseUrl,
        sha256Hex: hex,
        token: 't',
        cacheDir,
        limits: { maxUnzippedBytes: 5, maxEntries: 10 },
      }),
    ).rejects.toThrow(/unpacks to more than 5 bytes/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('CodeDelivery', () => {
  it('is missing with the reason until a retry succeeds (404, then the zip)', async () => {
    plan = [404, 404];
    const errors: object[] = [];
    const delivery = new CodeDelivery({
      logger: { ...quiet, error: (o) => errors.push(o) },
      baseDelayMs: 20,
      maxDelayMs: 40,
      random: () => 0.5,
      attempt: () => fetchCode({ baseUrl, sha256Hex: hex, token: 't', cacheDir: fresh() }),
    });
    expect(delivery.location()).toEqual({
      kind: 'missing',
      reason: 'fetching the code package',
      pending: true,
    });
    delivery.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(delivery.location()).toMatchObject({
      kind: 'missing',
      reason: expect.stringMatching(/^code package not in place: GET .* answered 404/),
    });
    const dir = await delivery.whenDelivered();
    expect(dir).toBe(path.join(cacheDir, hex));
    expect(delivery.location()).toEqual({ kind: 'found', dir });
    expect(seen).toHaveLength(3);
    expect(errors).toHaveLength(2);
    // core's backoff, equal jitter at 0.5: 20 → 15, then 40 (the cap) → 30.
    expect(errors[0]).toMatchObject({ failures: 1, retryInMs: 15 });
    expect(errors[1]).toMatchObject({ failures: 2, retryInMs: 30 });
    delivery.stop();
  });

  it('stops retrying on stop()', async () => {
    plan = [500, 500, 500, 500];
    const delivery = new CodeDelivery({
      logger: quiet,
      baseDelayMs: 10_000,
      attempt: () => fetchCode({ baseUrl, sha256Hex: hex, token: 't', cacheDir: fresh() }),
    });
    delivery.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    delivery.stop();
    expect(await delivery.whenDelivered()).toBeUndefined();
    expect(seen).toHaveLength(1);
  });
});

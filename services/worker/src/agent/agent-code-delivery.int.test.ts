import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { AGENT_HEADERS, CODE_TOKEN_HEADER, codeToken } from '@lamina/core';
import { eventually } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bundleAgent,
  HANDLER_SOURCE,
  invokeAgent,
  makePodFiles,
  startAgentProcess,
  type AgentProcess,
  type PodFiles,
} from '../test-support/agent-harness.js';
import { ensureRuntimeBuilt } from '../test-support/fixtures.js';

// The agent bundle as a process, getting its code over HTTP from a stand-in of the gateway's
// code route (token checked as the gateway does), and initialising its runtime at start.

const SECRET = 'test-code-token-secret';
let files: PodFiles;
let scratch: string;
let server: Server;
let codeUrl: string;
const zips = new Map<string, Buffer>();
const seen: { hex: string; headers: IncomingHttpHeaders }[] = [];
/** Hexes answered 404 this many more times before they are served. */
const notYet = new Map<string, number>();
const agents: AgentProcess[] = [];

function zipOf(source: string): [string, Buffer] {
  const dir = mkdtempSync(path.join(scratch, 'src-'));
  writeFileSync(path.join(dir, 'index.mjs'), source);
  const zip = execFileSync('zip', ['-q', '-X', '-', 'index.mjs'], { cwd: dir });
  const hex = createHash('sha256').update(zip).digest('hex');
  zips.set(hex, zip);
  return [hex, zip];
}

async function start(
  hex: string,
  extra: Record<string, string> = {},
): Promise<[AgentProcess, string]> {
  const cacheDir = path.join(scratch, `cache-${agents.length}`);
  mkdirSync(cacheDir);
  const agent = await startAgentProcess({
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    LAMINA_FUNCTION_NAME: 'hello',
    LAMINA_FUNCTION_VERSION: '3',
    LAMINA_RUNTIME: 'nodejs22.x',
    LAMINA_HANDLER: 'index.handler',
    LAMINA_TIMEOUT_SECONDS: '2',
    LAMINA_CODE_SHA256: hex,
    LAMINA_CODE_URL: codeUrl,
    LAMINA_CODE_TOKEN: codeToken(SECRET, hex),
    LAMINA_CODE_CACHE_DIR: cacheDir,
    LAMINA_ENVIRONMENT_DIR: files.envDir,
    LAMINA_BOOTSTRAP: files.bootstrap,
    LAMINA_DRAIN_LINGER_MS: '0',
    ...extra,
  });
  agents.push(agent);
  return [agent, `http://127.0.0.1:${agent.port}`];
}

async function readyz(url: string): Promise<[number, string]> {
  const res = await fetch(`${url}/readyz`);
  return [res.status, await res.text()];
}

beforeAll(async () => {
  ensureRuntimeBuilt();
  bundleAgent();
  files = makePodFiles();
  scratch = mkdtempSync(path.join(tmpdir(), 'agent-delivery-'));
  server = createServer((req, res) => {
    const hex = /^\/lamina\/v1\/code\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1] ?? '';
    seen.push({ hex, headers: req.headers });
    const zip = zips.get(hex);
    const wait = notYet.get(hex) ?? 0;
    if (wait > 0) notYet.set(hex, wait - 1);
    // As the gateway's code route: a wrong token is answered like an unknown package.
    if (
      req.headers[CODE_TOKEN_HEADER] !== codeToken(SECRET, hex) ||
      zip === undefined ||
      wait > 0
    ) {
      res.writeHead(404).end('Code package not found');
    } else {
      res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  codeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  for (const a of agents) a.child.kill('SIGKILL');
  server.close();
  files.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

describe('worker agent with code over HTTP', () => {
  it('fetches with its token (after a 404), verifies, initialises, then serves warm', async () => {
    const [hex] = zipOf(HANDLER_SOURCE);
    notYet.set(hex, 1);
    const [agent, url] = await start(hex);
    await eventually(async () => {
      expect(await readyz(url)).toEqual([200, 'ready']);
      return true;
    });
    const mine = seen.filter((s) => s.hex === hex);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine[0]?.headers[CODE_TOKEN_HEADER]).toBe(codeToken(SECRET, hex));
    expect(
      agent.logs.some(
        (l) => typeof l['reason'] === 'string' && l['reason'].includes(' answered 404'),
      ),
    ).toBe(true);
    const res = await invokeAgent(url, { n: 1 }, { tail: true });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ event: { n: 1 }, version: '3' });
    expect(res.headers.get(AGENT_HEADERS.coldStart)).toBe('0');
    const log = Buffer.from(res.headers.get(AGENT_HEADERS.log) ?? '', 'base64').toString();
    expect(log).toMatch(/REPORT RequestId: /);
    expect(log).not.toContain('Init Duration');
  });

  it('stays unready with the reason when the code route refuses its token', async () => {
    // The token of another package (or secret) opens nothing.
    const [hex] = zipOf(`${HANDLER_SOURCE}\n// another package\n`);
    const [, url] = await start(hex, { LAMINA_CODE_TOKEN: codeToken('not-the-secret', hex) });
    await eventually(async () => {
      const [status, reason] = await readyz(url);
      expect(status).toBe(503);
      expect(reason).toMatch(/^code package not in place: GET .* answered 404/);
      return true;
    });
    const res = await invokeAgent(url, {});
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ errorType: 'ResourceNotReadyException' });
  });

  it('refuses a package whose SHA-256 is not its own', async () => {
    const [hex, zip] = zipOf(`${HANDLER_SOURCE}\n// a third package\n`);
    const forged = 'e'.repeat(64);
    zips.set(forged, zip);
    const [, url] = await start(forged);
    await eventually(async () => {
      const [status, reason] = await readyz(url);
      expect(status).toBe(503);
      expect(reason).toContain(`SHA-256 is ${hex}, not ${forged}; not used`);
      return true;
    });
  });
});

describe('worker agent whose init fails at start', () => {
  it('stays ready with the reason (on-demand); a call runs init again and answers its error', async () => {
    const [hex] = zipOf(`throw new Error('init boom');\nexport const handler = async () => 1;\n`);
    const [agent, url] = await start(hex);
    await eventually(async () => {
      const [status, reason] = await readyz(url);
      expect(status).toBe(200);
      expect(reason).toMatch(/^init failed: .*init boom/);
      return true;
    });
    const res = await invokeAgent(url, {});
    expect(res.status).toBe(200);
    expect(res.headers.get(AGENT_HEADERS.functionError)).toBe('Unhandled');
    expect(res.headers.get(AGENT_HEADERS.coldStart)).toBe('1');
    expect(JSON.parse(res.body)).toMatchObject({
      errorMessage: expect.stringMatching(/init boom/),
    });
    expect(await readyz(url)).toEqual([200, expect.stringMatching(/^init failed: /)]);
    expect(agent.child.exitCode).toBeNull();
  });
});

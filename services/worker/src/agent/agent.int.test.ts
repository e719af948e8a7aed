import { spawn } from 'node:child_process';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_HEADERS, AGENT_INVOKE_PATH } from '@lamina/core';
import { eventually } from '@lamina/testkit';
import { ensureRuntimeBuilt } from '../test-support/fixtures.js';
import {
  agentBundle,
  bundleAgent,
  invokeAgent,
  makePodFiles,
  startAgentProcess,
  type AgentProcess,
  type PodFiles,
} from '../test-support/agent-harness.js';

// The worker agent as a worker pod runs it (dist/agent.mjs, the bundle), outside a container:
// the project's Node.js runtime behind LAMINA_BOOTSTRAP, a code store and env dir on disk.

let files: PodFiles;
const agents: AgentProcess[] = [];

async function start(extra: Record<string, string> = {}): Promise<[AgentProcess, string]> {
  const agent = await startAgentProcess({
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    LAMINA_FUNCTION_NAME: 'hello',
    LAMINA_FUNCTION_VERSION: '3',
    LAMINA_RUNTIME: 'nodejs22.x',
    LAMINA_HANDLER: 'index.handler',
    LAMINA_TIMEOUT_SECONDS: '2',
    LAMINA_CODE_SHA256: files.hex,
    LAMINA_CODE_DIR: files.store,
    LAMINA_ENVIRONMENT_DIR: files.envDir,
    LAMINA_BOOTSTRAP: files.bootstrap,
    LAMINA_DRAIN_LINGER_MS: '0',
    ...extra,
  });
  agents.push(agent);
  return [agent, `http://127.0.0.1:${agent.port}`];
}

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;
const b64 = (s: string | null): string => Buffer.from(s ?? '', 'base64').toString('utf8');

beforeAll(() => {
  ensureRuntimeBuilt();
  bundleAgent();
  files = makePodFiles();
});

afterAll(() => {
  for (const a of agents) a.child.kill('SIGKILL');
  files.cleanup();
});

describe('worker agent (process)', () => {
  let url: string;
  beforeAll(async () => {
    [, url] = await start();
  });

  it('is healthy, and ready once the runtime is initialised (init at start)', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await eventually(async () => {
      const ready = await fetch(`${url}/readyz`);
      expect([ready.status, await ready.text()]).toEqual([200, 'ready']);
      return true;
    });
  });

  it('runs an invocation: payload, env-dir variables, executed version, warm from the start', async () => {
    const first = await invokeAgent(url, { n: 1 });
    expect(first.status).toBe(200);
    expect(json(first.body)).toEqual({
      event: { n: 1 },
      greeting: 'hello from the env dir',
      version: '3',
    });
    expect(first.headers.get(AGENT_HEADERS.executedVersion)).toBe('3');
    expect(first.headers.get(AGENT_HEADERS.functionError)).toBeNull();
    // Init ran when the pod started, before any call: no cold start, no Init Duration.
    expect(first.headers.get(AGENT_HEADERS.coldStart)).toBe('0');
    expect(first.headers.get(AGENT_HEADERS.initDurationMs)).toBeNull();
    expect(await (await fetch(`${url}/metrics`)).text()).toContain(
      'lamina_worker_invocations_total{outcome="success"} 1',
    );
    const second = await invokeAgent(url, { n: 2 });
    expect(second.headers.get(AGENT_HEADERS.coldStart)).toBe('0');
  });

  it('counts invocations on GET /metrics (Prometheus text)', async () => {
    // After the test above: two successes, neither a cold start, nothing refused.
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('lamina_worker_invocations_total{outcome="success"} 2');
    expect(text).toContain('lamina_worker_cold_starts_total 0');
    expect(text).toContain('lamina_worker_invocation_duration_seconds_count 2');
    expect(text).not.toContain('lamina_worker_refusals_total{');
    const busy = invokeAgent(url, { action: 'sleep', ms: 300 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await invokeAgent(url, {})).status).toBe(429);
    await busy;
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(after).toContain('lamina_worker_refusals_total{refusal="busy"} 1');
    expect(after).toContain('lamina_worker_invocations_total{outcome="success"} 3');
  });

  it('answers a handler error as a 200 with Unhandled and its errorType', async () => {
    const res = await invokeAgent(url, { action: 'throw' });
    expect(res.status).toBe(200);
    expect(res.headers.get(AGENT_HEADERS.functionError)).toBe('Unhandled');
    expect(res.headers.get(AGENT_HEADERS.errorType)).toBe('TypeError');
    expect(json(res.body)).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom' });
  });

  it('returns the invocation log with Tail', async () => {
    const res = await invokeAgent(url, { action: 'log' }, { tail: true });
    const log = b64(res.headers.get(AGENT_HEADERS.log));
    expect(log).not.toContain('Init Duration');
    expect(log).toMatch(/^START RequestId: \S+ Version: 3\n/);
    expect(log).toMatch(/\tINFO\ta line for the tail\n/);
    expect(log).toMatch(/\nEND RequestId: .*\nREPORT RequestId: .*Max Memory Used: \d+ MB/);
  });

  it("writes every line of a function killed mid-output, after the call's START", async () => {
    // A generous timeout: on a loaded machine 3,000 lines take the agent a while to read.
    const [agent, crashUrl] = await start({ LAMINA_TIMEOUT_SECONDS: '60' });
    const requestId = randomUUID();
    const res = await invokeAgent(crashUrl, { action: 'crash', lines: 3000 }, { requestId });
    expect(res.status).toBe(200);
    expect(res.headers.get(AGENT_HEADERS.functionError)).toBe('Unhandled');
    expect(res.headers.get(AGENT_HEADERS.errorType)).toBe('Runtime.ExitError');
    const fnLines = () =>
      agent.logs.filter((l) => l['stream'] === 'function').map((l) => String(l['msg']));
    // Batched records reach stdout within the flush window; the test waits generously.
    const lines = await eventually(
      () => {
        const got = fnLines().filter((m) => m.includes('crash line '));
        // A line is `<time>\t<request id>\tINFO\t<message>`.
        const seen = new Set(got.map((m) => m.slice(m.lastIndexOf('\t') + 1)));
        const missing = Array.from({ length: 3000 }, (_, i) => i).filter(
          (i) => !seen.has(`crash line ${i}`),
        );
        expect(missing).toEqual([]);
        return got;
      },
      { what: "the crashed function's 3,000 lines", timeoutMs: 30_000 },
    );
    lines.forEach((m, i) => {
      expect(m).toMatch(new RegExp(`\\tINFO\\tcrash line ${i}$`));
    });
    const all = fnLines();
    const startAt = all.findIndex((m) => m.startsWith(`START RequestId: ${requestId}`));
    expect(startAt).toBeGreaterThanOrEqual(0);
    expect(startAt).toBeLessThan(all.indexOf(lines[0] ?? ''));
  });

  it('refuses a concurrent second invocation as busy', async () => {
    const slow = invokeAgent(url, { action: 'sleep', ms: 600 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await invokeAgent(url, { n: 2 });
    expect(second.status).toBe(429);
    expect(second.headers.get(AGENT_HEADERS.refusal)).toBe('busy');
    expect(json(second.body)).toMatchObject({ errorType: 'TooManyRequestsException' });
    expect((await slow).status).toBe(200);
    expect((await invokeAgent(url, { n: 3 })).status).toBe(200);
  });

  it('refuses another function or version', async () => {
    const res = await invokeAgent(url, {}, { version: '4' });
    expect(res.status).toBe(421);
    expect(res.headers.get(AGENT_HEADERS.refusal)).toBe('wrong-target');
  });

  it('times out at LAMINA_TIMEOUT_SECONDS and starts a new environment after', async () => {
    const res = await invokeAgent(url, { action: 'sleep', ms: 10_000 });
    expect(res.status).toBe(200);
    expect(res.headers.get(AGENT_HEADERS.functionError)).toBe('Unhandled');
    expect(res.headers.get(AGENT_HEADERS.errorType)).toBe('Sandbox.Timedout');
    expect(json(res.body)).toMatchObject({
      errorMessage: expect.stringMatching(/Task timed out after 2\.\d\d seconds/),
    });
    const next = await invokeAgent(url, { n: 4 });
    expect(next.status).toBe(200);
    expect(next.headers.get(AGENT_HEADERS.coldStart)).toBe('1');
  });
});

describe("worker agent with a task root (LAMINA_TASK_DIR, a pod's /var/task)", () => {
  it('copies the code there and runs the runtime in it', async () => {
    const taskDir = mkdtempSync(path.join(tmpdir(), 'lamina-task-'));
    try {
      const [, url] = await start({ LAMINA_TASK_DIR: taskDir });
      const res = await invokeAgent(url, { action: 'where' });
      expect(json(res.body)).toEqual({ cwd: taskDir, root: taskDir });
      expect(readdirSync(taskDir)).toEqual(['index.mjs']);
    } finally {
      rmSync(taskDir, { recursive: true, force: true });
    }
  });
});

describe('worker agent without its code', () => {
  it('stays up, not ready, and refuses invocations with ResourceNotReadyException', async () => {
    const [agent, url] = await start({ LAMINA_CODE_SHA256: '0'.repeat(64) });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/not in the code store/);
    const res = await invokeAgent(url, {});
    expect(res.status).toBe(502);
    expect(json(res.body)).toMatchObject({
      errorType: 'ResourceNotReadyException',
      errorMessage: expect.stringMatching(
        /cannot run in this worker: code 0+ is not in the code store/,
      ),
    });
    expect(agent.logs.some((l) => l['level'] === 50 && typeof l['reason'] === 'string')).toBe(true);
    expect(agent.child.exitCode).toBeNull();
  });
});

describe('worker agent on SIGTERM', () => {
  it('stops being ready, refuses new work, finishes the running invocation, exits 0', async () => {
    const [agent, url] = await start();
    const requestId = randomUUID();
    const running = invokeAgent(url, { action: 'sleep', ms: 1000 }, { requestId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    agent.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([503, 'draining']);
    const refused = await invokeAgent(url, {});
    expect(refused.status).toBe(503);
    expect(refused.headers.get(AGENT_HEADERS.refusal)).toBe('draining');
    const done = await running;
    expect(done.status).toBe(200);
    expect(json(done.body)).toMatchObject({ event: { action: 'sleep', ms: 1000 } });
    expect(await agent.exited).toBe(0);
    // The running call's START/END/REPORT were written before the exit (batched records flush).
    await eventually(() => {
      const msgs = agent.logs.filter((l) => l['stream'] === 'function').map((l) => l['msg']);
      expect(msgs).toEqual(
        expect.arrayContaining([
          expect.stringMatching(`^START RequestId: ${requestId}`),
          expect.stringMatching(`^END RequestId: ${requestId}`),
          expect.stringMatching(`^REPORT RequestId: ${requestId}`),
        ]),
      );
      return true;
    });
  });
});

describe('worker agent on SIGTERM, linger', () => {
  it('exits at once when no call came within the linger window (a scaled-down pod frees its node)', async () => {
    // A linger far beyond the test's timeout: only an idle pod's exit without it can pass.
    const [agent, url] = await start({ LAMINA_DRAIN_LINGER_MS: '60000' });
    await eventually(async () => (await fetch(`${url}/readyz`)).status === 200, {
      what: 'the agent ready',
      timeoutMs: 15_000,
    });
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  });

  it('keeps answering draining after a recent call, so a gateway that has not seen it go moves on', async () => {
    const [agent, url] = await start({ LAMINA_DRAIN_LINGER_MS: '60000' });
    expect((await invokeAgent(url, { hello: 1 })).status).toBe(200);
    agent.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const refused = await invokeAgent(url, {});
    expect(refused.headers.get(AGENT_HEADERS.refusal)).toBe('draining');
    expect(agent.child.exitCode).toBeNull();
    agent.child.kill('SIGKILL');
  });
});

/** An invoke over node:http through `agent` (a gateway's pooled connection), with its headers. */
function invokeThrough(
  agent: HttpAgent,
  url: string,
  payload: unknown,
): Promise<{ status: number; connection: string | undefined; body: string }> {
  const body = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${AGENT_INVOKE_PATH}`,
      {
        method: 'POST',
        agent,
        headers: {
          [AGENT_HEADERS.function]: 'hello',
          [AGENT_HEADERS.version]: '3',
          [AGENT_HEADERS.requestId]: randomUUID(),
          [AGENT_HEADERS.invokedArn]: 'arn:aws:lambda:us-east-1:000000000000:function:hello:3',
          'content-length': String(body.length),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('worker agent on SIGTERM, gateway connections (ADR 0032)', () => {
  it('leaves an idle gateway connection open and exits once the gateway closes it', async () => {
    const [agent, url] = await start({ LAMINA_DRAIN_LINGER_MS: '60000' });
    const gateway = new HttpAgent({ keepAlive: true });
    expect((await invokeThrough(gateway, url, { hello: 1 })).status).toBe(200);
    agent.child.kill('SIGTERM');
    // Closing it now could cross a call written on it: the agent waits for the gateway.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(agent.child.exitCode).toBeNull();
    const refused = await invokeThrough(gateway, url, {});
    expect([refused.status, refused.connection]).toEqual([503, 'close']);
    // The refusal closed that connection; a gateway that sees the pod go closes its others.
    gateway.destroy();
    expect(await agent.exited).toBe(0);
    expect(agent.logs.find((l) => l['msg'] === 'no invocation running; stopping')).toMatchObject({
      ended: 'closed',
    });
  });

  it('answers the running call with Connection: close, and a repeated SIGTERM does not cut it', async () => {
    const [agent, url] = await start({ LAMINA_DRAIN_LINGER_MS: '60000' });
    const gateway = new HttpAgent({ keepAlive: true });
    const running = invokeThrough(gateway, url, { action: 'sleep', ms: 1500 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    agent.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    agent.child.kill('SIGTERM'); // a kubelet restarted mid-stop retries it from the start
    const done = await running;
    expect([done.status, done.connection]).toEqual([200, 'close']);
    expect(json(done.body)).toMatchObject({ event: { action: 'sleep', ms: 1500 } });
    // Its connection closed with that answer: nothing else held, so the agent exits.
    expect(await agent.exited).toBe(0);
    gateway.destroy();
  });
});

describe('generic worker agent (process)', () => {
  it('rehearses the specialise path and a first call before it is ready, leaving nothing behind', async () => {
    const cacheDir = path.join(files.root, 'generic-cache');
    const agent = await startAgentProcess({
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      LAMINA_WORKER_GENERIC: 'true',
      LAMINA_RUNTIME: 'nodejs22.x',
      LAMINA_CODE_URL: 'http://127.0.0.1:9',
      LAMINA_CODE_CACHE_DIR: cacheDir,
      LAMINA_BOOTSTRAP: files.bootstrap,
      LAMINA_DRAIN_LINGER_MS: '0',
    });
    agents.push(agent);
    const url = `http://127.0.0.1:${agent.port}`;
    await eventually(async () => (await fetch(`${url}/readyz`)).status === 200, {
      what: 'the generic agent ready',
      timeoutMs: 30_000,
    });
    const line = agent.logs.find((l) => l['msg'] === 'specialisation rehearsed');
    expect(line?.['fetchMs']).toEqual(expect.any(Number));
    expect(line?.['invokeMs']).toEqual(expect.any(Number));
    expect(agent.logs.filter((l) => Number(l['level']) >= 40)).toEqual([]);
    // No START/REPORT of the rehearsal's function in the pod's log, no folder left.
    expect(agent.logs.some((l) => l['stream'] === 'function')).toBe(false);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('worker agent on SIGTERM while starting', () => {
  it('handles it (exit 0, not killed by the signal): in a container it is PID 1, which ignores unhandled signals', async () => {
    const child = spawn(process.execPath, [agentBundle], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        LAMINA_WORKER_PORT: '0',
        LAMINA_WORKER_HOST: '127.0.0.1',
        LAMINA_WORKER_GENERIC: 'true',
        LAMINA_RUNTIME: 'nodejs22.x',
        LAMINA_CODE_URL: 'http://127.0.0.1:9',
        LAMINA_CODE_CACHE_DIR: path.join(files.root, 'starting-cache'),
        LAMINA_BOOTSTRAP: files.bootstrap,
        LAMINA_LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Once main runs (its first line installed the handler; 'starting' is logged after it),
    // before the agent listens.
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (d.includes('"msg":"starting"')) resolve();
      });
    });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (code, signal) => {
        resolve([code, signal]);
      }),
    );
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(stderr).toMatch(/SIGTERM while starting: exiting|^$/);
  });
});

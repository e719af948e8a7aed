import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_HEADERS } from '@lamina/core';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeAgent, makePodFiles, type PodFiles } from '../test-support/agent-harness.js';

// The worker images as a pod runs them: built by runtimes/images/build-worker.sh, started with
// the pod's lockdown (read-only root, /tmp a tmpfs, uid 10001, no capabilities), the code store
// and the env dir bind-mounted where the operator mounts them, the port on 127.0.0.1 only.
// /tmp is mounted `exec` like a pod's emptyDir (docker's default is noexec; the Java client
// loads its JNI library from /tmp).

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const docker = (args: string[]) => spawnSync('docker', args, { encoding: 'utf8' });
const haveDocker = docker(['info']).status === 0;
const label = `dev.lamina.test=${uniqueName('worker-image')}`;

const PYTHON_HANDLER = `import os

def handler(event, context):
    if event.get('action') == 'throw':
        raise ValueError('boom')
    return {'event': event, 'greeting': os.environ.get('GREETING'), 'version': context.function_version}
`;

const JAVA_HANDLER = `package agent;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.LinkedHashMap;
import java.util.Map;

public class Handler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
  @Override
  public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
    if ("throw".equals(event.get("action"))) throw new IllegalStateException("boom");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("event", event);
    out.put("greeting", System.getenv("GREETING"));
    out.put("version", context.getFunctionVersion());
    return out;
  }
}
`;
const JDK17 = '/usr/lib/jvm/java-17-openjdk-amd64';
const javaRic = path.join(testEnv.cacheDir(), 'runtimes/java');
const javaRicLib = existsSync(javaRic)
  ? readdirSync(javaRic)
      .filter((d) => d.startsWith('ric-'))
      .map((d) => path.join(javaRic, d, 'lib'))[0]
  : undefined;

/** Compiles the Java handler into the code tree (classes at its root, as Lambda takes a zip). */
function compileJava(codeDir: string): void {
  const src = mkdtempSync(path.join(tmpdir(), 'lamina-java-'));
  try {
    writeFileSync(path.join(src, 'Handler.java'), JAVA_HANDLER);
    execFileSync(path.join(JDK17, 'bin/javac'), [
      '--release', '17', '-cp', `${javaRicLib ?? ''}/*`, '-d', codeDir, path.join(src, 'Handler.java'),
    ]); // prettier-ignore
    execFileSync('chmod', ['-R', 'a+rX', codeDir]);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

interface Case {
  readonly runtime: string;
  readonly handler: string;
  readonly errorType: string;
  /** The runtime image the worker image starts FROM, built when missing (`ensureRuntimeImage`). */
  readonly runtimeImage?: string;
  /** What else the case needs on this machine. */
  readonly needs?: () => boolean;
  /** Adds the case's code to the code tree. */
  readonly prepare?: (codeDir: string) => void;
}

const CASES: readonly Case[] = [
  { runtime: 'nodejs22.x', handler: 'index.handler', errorType: 'TypeError' },
  {
    runtime: 'python3.11',
    handler: 'app.handler',
    errorType: 'ValueError',
    runtimeImage: 'lamina/runtime-python:3.11-r2',
  },
  {
    runtime: 'java17',
    handler: 'agent.Handler::handleRequest',
    errorType: 'java.lang.IllegalStateException',
    runtimeImage: 'lamina/runtime-java:17-r2',
    needs: () => javaRicLib !== undefined && existsSync(path.join(JDK17, 'bin/javac')),
    prepare: compileJava,
  },
];

function buildImage(runtime: string): string {
  const out = spawnSync(path.join(root, 'runtimes/images/build-worker.sh'), [runtime], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0) throw new Error(`build-worker.sh ${runtime} failed`);
  return out.stdout.trim().split('\n').at(-1) ?? '';
}

/**
 * A case's runtime image, built when missing (runtimes/images/build.sh is idempotent), as the
 * container-image suite does: skipping when it was missing made this test run or not depending
 * on which suite came first.
 */
function ensureRuntimeImage(runtime: string): void {
  const out = spawnSync(path.join(root, 'runtimes/images/build.sh'), [runtime], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0) throw new Error(`runtimes/images/build.sh ${runtime} failed`);
}

/** Until the agent answers /readyz with 200 (a fetch that throws: not listening yet). */
function waitReady(url: string): Promise<unknown> {
  return eventually(async () => (await fetch(`${url}/readyz`)).status === 200, {
    what: `${url}/readyz`,
    timeoutMs: 20_000,
    intervalMs: 200,
  });
}

describe.skipIf(!haveDocker)('worker images', () => {
  let files: PodFiles;
  beforeAll(() => {
    files = makePodFiles();
    const py = path.join(files.store, files.hex, 'app.py');
    writeFileSync(py, PYTHON_HANDLER);
    chmodSync(py, 0o644);
  });
  afterAll(() => {
    const ids = docker(['ps', '-aq', '--filter', `label=${label}`]).stdout.split('\n');
    for (const id of ids.filter((i) => i !== '')) docker(['rm', '-f', id]);
    files.cleanup();
  });

  for (const c of CASES) {
    it.skipIf(!(c.needs?.() ?? true))(
      `${c.runtime}: runs locked down, invokes, drains on stop`,
      async () => {
        if (c.runtimeImage !== undefined) ensureRuntimeImage(c.runtime);
        c.prepare?.(path.join(files.store, files.hex));
        const image = buildImage(c.runtime);
        expect(image).toMatch(/^lamina\/worker-[a-z0-9.]+:0\.1\.0-[0-9a-f]{12}$/);
        const started = docker([
        'run', '-d', '--label', label,
        '--read-only', '--tmpfs', '/tmp:exec', '--user', '10001', '--cap-drop', 'ALL',
        '--security-opt', 'no-new-privileges',
        '-p', '127.0.0.1::8080',
        '-v', `${files.store}:/var/lamina/code:ro`,
        '-v', `${files.envDir}:/var/run/lamina/env:ro`,
        '-e', 'LAMINA_FUNCTION_NAME=hello', '-e', 'LAMINA_FUNCTION_VERSION=3',
        '-e', `LAMINA_RUNTIME=${c.runtime}`, '-e', `LAMINA_HANDLER=${c.handler}`,
        '-e', `LAMINA_CODE_SHA256=${files.hex}`, '-e', 'LAMINA_CODE_DIR=/var/lamina/code',
        '-e', 'LAMINA_ENVIRONMENT_DIR=/var/run/lamina/env', '-e', 'LAMINA_TIMEOUT_SECONDS=5',
        image,
      ]); // prettier-ignore
        expect(started.stderr).toBe('');
        const id = started.stdout.trim();
        const port = docker(['port', id, '8080/tcp']).stdout.split('\n')[0] ?? '';
        expect(port).toMatch(/^127\.0\.0\.1:\d+$/);
        const url = `http://${port}`;
        await waitReady(url);

        const ok = await invokeAgent(url, { n: 1 }, { tail: true });
        expect(ok.status).toBe(200);
        expect(JSON.parse(ok.body)).toEqual({
          event: { n: 1 },
          greeting: 'hello from the env dir',
          version: '3',
        });
        expect(ok.headers.get(AGENT_HEADERS.executedVersion)).toBe('3');
        const log = Buffer.from(ok.headers.get(AGENT_HEADERS.log) ?? '', 'base64').toString();
        expect(log).toMatch(/REPORT RequestId: /);

        const failed = await invokeAgent(url, { action: 'throw' });
        expect(failed.headers.get(AGENT_HEADERS.functionError)).toBe('Unhandled');
        // The body is the client's error shape; the header is what its runtime client posted
        // (Java's says Runtime.UserException).
        expect(JSON.parse(failed.body)).toMatchObject({
          errorMessage: 'boom',
          errorType: c.errorType,
        });

        expect(docker(['stop', '-t', '15', id]).status).toBe(0);
        expect(docker(['inspect', '--format', '{{.State.ExitCode}}', id]).stdout.trim()).toBe('0');
        expect(docker(['logs', id]).stdout).toMatch(/"msg":"stopped"/);
      },
      300_000,
    );
  }
});

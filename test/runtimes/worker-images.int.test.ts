/**
 * The runtimes added in issue 17 as worker images on the test kubelet: nodejs20.x and nodejs24.x
 * (the cache's Node.js builds and the official aws-lambda-ric), python3.13 and java21 (Debian
 * 13's interpreters and the official clients), each built by runtimes/images/build-worker.sh and
 * loaded into the node's containerd ($LAMINA_TEST_LOAD_IMAGE). One cluster-mode Lamina (gateway,
 * operator, real node) serves every runtime; per runtime the same conformance function as the
 * local suite (test/runtimes/functions) answers hello, fails in its language's shape and returns
 * its log in the Tail log, and reports an init error in the official client's shape on the call,
 * all through the unmodified AWS SDK: a pod whose init fails at start still turns ready (an
 * on-demand pod, ADR 0029), so the Function turns Active and the call gets the init error, as on
 * Lambda. Invariant: every worker image shares one tag (the operator's imageTag), so building the
 * others after the first needs no operator change.
 */
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';

import { type ClusterLamina, startClusterLamina } from '../operator/support/cluster-lamina.js';
import { workerImage } from '../operator/support/worker-image.js';
import { caseOf } from './support/runtime-cases.js';
import { setupRuntimes } from './support/runtime-support.js';

const RUNTIMES = ['nodejs20.x', 'nodejs24.x', 'python3.13', 'java21'] as const;
const haveNode = testEnv.optional('LAMINA_TEST_NODE') !== undefined;

interface Answer {
  readonly functionError: string | undefined;
  readonly body: Record<string, unknown>;
  readonly log: string;
}

describe.skipIf(!haveNode)('runtime worker images on the test kubelet', () => {
  let lamina: ClusterLamina | undefined;

  beforeAll(async () => {
    await setupRuntimes('python', 'java', 'nodejs-ric', 'node20', 'node24');
    // The first image comes with the cluster; the others share its tag (one build at a time:
    // two cores).
    lamina = await startClusterLamina({ name: 'rtimg', runtime: RUNTIMES[0] });
    for (const runtime of RUNTIMES.slice(1)) await workerImage(runtime);
  }, 1_200_000);

  afterAll(async () => {
    await lamina?.stop();
  }, 180_000);

  const started = (): ClusterLamina => {
    if (lamina === undefined) throw new Error('the cluster did not start');
    return lamina;
  };

  const invoke = async (fn: string, event: unknown): Promise<Answer> => {
    const r: InvokeCommandOutput = await started().lambda.send(
      new InvokeCommand({
        FunctionName: fn,
        Payload: Buffer.from(JSON.stringify(event)),
        LogType: 'Tail',
      }),
    );
    return {
      functionError: r.FunctionError,
      body: JSON.parse(Buffer.from(r.Payload ?? []).toString('utf8')) as Record<string, unknown>,
      log: Buffer.from(r.LogResult ?? '', 'base64').toString('utf8'),
    };
  };

  describe.each(RUNTIMES)('%s', (runtime) => {
    const c = caseOf(runtime);
    const name = uniqueName(`img-${runtime.replace(/\W/g, '')}`);
    const init = `${name}-init`;

    beforeAll(async () => {
      const l = started();
      const code = c.code();
      const extra = { Runtime: runtime as Runtime, MemorySize: 256, Timeout: 30 };
      await Promise.all([
        l.createFunction(name, code, { ...extra, Handler: c.handler }),
        // Not waited for: its calls wait until it is Active.
        l.lambda.send(
          new CreateFunctionCommand({
            ...extra,
            FunctionName: init,
            Handler: c.missingHandler,
            Role: 'arn:aws:iam::000000000000:role/lambda',
            Code: { ZipFile: code },
          }),
        ),
      ]);
    }, 300_000);

    afterAll(async () => {
      // Frees the node for the next runtime's pods.
      for (const fn of [name, init]) {
        await lamina?.lambda.send(new DeleteFunctionCommand({ FunctionName: fn })).catch(() => {
          // already gone
        });
      }
    });

    it('answers hello with its execution environment, and logs to the Tail log', async () => {
      const hello = await invoke(name, { action: 'echo', hello: runtime });
      expect(hello.functionError, JSON.stringify(hello.body)).toBeUndefined();
      expect(hello.body).toEqual({ action: 'echo', hello: runtime });
      const env = await invoke(name, { action: 'env', names: ['AWS_EXECUTION_ENV', '_HANDLER'] });
      expect(env.body).toEqual({ AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`, _HANDLER: c.handler });
      const value = `v-${Math.random().toString(36).slice(2)}`;
      const logged = await invoke(name, { action: 'log', value });
      expect(logged.body).toEqual({ logged: value });
      expect(logged.log).toContain(`conformance-log ${value}`);
      expect(logged.log).toMatch(/^REPORT RequestId: \S+\tDuration: /m);
    }, 180_000);

    it("returns a handler error in the language's shape", async () => {
      const r = await invoke(name, { action: 'error' });
      expect(r.functionError).toBe('Unhandled');
      expect(r.body).toMatchObject({ errorMessage: 'boom', errorType: c.errorType });
      c.errorShape(r.body, /START RequestId: (\S+)/.exec(r.log)?.[1] ?? '');
    }, 180_000);

    it("reports an init error in the official client's shape, on the call", async () => {
      // The pod's init fails at start; it still turns ready (an on-demand pod, ADR 0029), so the
      // Function turns Active and the call gets the init error, as on Lambda.
      const r = await eventually(
        () =>
          invoke(init, { action: 'echo' }).catch((err: unknown) => {
            if ((err as Error).name === 'ResourceConflictException') return undefined;
            throw err;
          }),
        { what: `a call to ${init} past Pending`, timeoutMs: 150_000, intervalMs: 1000 },
      );
      expect(r.functionError).toBe('Unhandled');
      expect(r.body).toMatchObject({ errorType: c.initErrorType });
      expect(typeof r.body['errorMessage']).toBe('string');
    }, 180_000);
  });
});

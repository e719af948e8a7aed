import {
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type LambdaClient,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { eventually, testEnv } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { run } from '../images/docker.js';
import { buildFunctionImage, markerHandler, nodeRuntimeImage } from '../images/function-image.js';
import { getJson, kubectl } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';
import { watchFunctionStatus } from './support/status-watch.js';

// A container-image function on the real node (ADR 0028): an image built here FROM Lamina's
// nodejs runtime image with the official runtime interface client as its ENTRYPOINT and the
// handler as CMD, loaded into the node (no registry), created with PackageType Image through
// the unmodified AWS SDK, invoked, then updated to a new image tag, which rolls out and serves.
// The pod runs the image untouched beside Lamina's agent (the worker image), whose Runtime API
// the client reaches on 127.0.0.1.

const decode = (p: Uint8Array | undefined): Record<string, unknown> =>
  JSON.parse(Buffer.from(p ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;

interface PodJson {
  items: {
    metadata: { name: string; deletionTimestamp?: string };
    spec: { containers: { name: string; image: string }[] };
  }[];
}

describe('container-image functions in a cluster', () => {
  const fn = 'image-fn';
  let lamina: ClusterLamina | undefined;
  let lambda: LambdaClient;
  const images: string[] = [];

  beforeAll(async () => {
    const base = await nodeRuntimeImage();
    for (const marker of ['one', 'two']) {
      const ref = await buildFunctionImage(base, `cluster-${marker}`, markerHandler(marker));
      const load = await run(testEnv.require('LAMINA_TEST_LOAD_IMAGE'), [ref]);
      if (load.code !== 0) throw new Error(`load ${ref}: ${load.stderr}`);
      images.push(ref);
    }
    lamina = await startClusterLamina({
      name: 'image-fn',
      // A restarted container runs its init again on a shared node: allow for it.
      gatewayEnv: { LAMINA_COLD_START_WAIT_MS: '120000' },
    });
    lambda = lamina.lambda;
  }, 600_000);

  afterAll(async () => {
    await lamina?.stop();
    if (images.length > 0) await run('docker', ['rmi', '-f', ...images]);
  }, 180_000);

  const invoke = async (n: number): Promise<Record<string, unknown>> => {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify({ n })) }),
    );
    if (r.FunctionError !== undefined) {
      // What the pod's two containers said, to tell the agent's side from the image's.
      const ns = lamina?.ns ?? '';
      const sel = `lamina.dev/function=${fn}`;
      const logs = await Promise.all([
        ...['worker', 'function'].map((c) =>
          kubectl(['logs', '-n', ns, '-l', sel, '-c', c, '--tail=40']),
        ),
        kubectl(['logs', '-n', ns, '-l', sel, '-c', 'function', '--previous', '--tail=40']),
        kubectl([
          'get',
          'pods',
          '-n',
          ns,
          '-l',
          sel,
          '-o',
          'jsonpath={.items[*].status.containerStatuses}',
        ]),
      ]);
      const said = logs.map((l) => l.stdout + l.stderr).join('\n---\n');
      throw new Error(`${r.FunctionError}: ${Buffer.from(r.Payload ?? []).toString()}\n${said}`);
    }
    return decode(r.Payload);
  };

  it('creates, invokes and rolls out a new image', async () => {
    const [one = '', two = ''] = images;
    const ns = lamina?.ns ?? '';
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        PackageType: 'Image',
        Code: { ImageUri: one },
        Role: 'arn:aws:iam::000000000000:role/lambda',
        MemorySize: 128,
        Timeout: 30,
        Environment: { Variables: { GREETING: 'hi' } },
      }),
    );
    expect(created.PackageType).toBe('Image');
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );

    expect(await invoke(1)).toMatchObject({
      marker: 'one',
      event: { n: 1 },
      fn,
      memory: '128',
      greeting: 'hi',
    });
    const pods = await getJson<PodJson>([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      `lamina.dev/function=${fn}`,
    ]);
    const containers = pods?.items[0]?.spec.containers ?? [];
    expect(containers.map((c) => c.name)).toEqual(['worker', 'function']);
    expect(containers[1]?.image).toBe(one);

    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: fn, ImageUri: two }));
    await waitUntilFunctionUpdatedV2(
      { client: lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: fn }));
    expect(got.Code).toMatchObject({ RepositoryType: 'ECR', ImageUri: two });
    // The gateway waits for pods of the new image; the old pod goes once the new one is ready.
    expect(await invoke(2)).toMatchObject({ marker: 'two', event: { n: 2 } });
    await eventually(
      async () => {
        const now = await getJson<PodJson>([
          'get',
          'pods',
          '-n',
          ns,
          '-l',
          `lamina.dev/function=${fn}`,
        ]);
        const live = (now?.items ?? []).filter((p) => p.metadata.deletionTimestamp === undefined);
        expect(live.map((p) => p.spec.containers[1]?.image)).toEqual([two]);
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
  }, 600_000);

  it("shows the image's own lines in the Tail and in the logs API, between START and END", async () => {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: Buffer.from('{"n":4}'), LogType: 'Tail' }),
    );
    expect(r.FunctionError).toBeUndefined();
    const id = String(decode(r.Payload)['requestId']);
    const tail = Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
    // The official client's line: <time>\t<request id>\tINFO\t<text>.
    const own = new RegExp(`^\\S+\\t${id}\\tINFO\\tmarker two ${id}$`, 'm');
    expect(tail).toMatch(own);
    const at = (re: RegExp): number => tail.split('\n').findIndex((l) => re.test(l));
    expect(at(new RegExp(`^START RequestId: ${id} `))).toBeGreaterThanOrEqual(0);
    expect(at(new RegExp(`^START RequestId: ${id} `))).toBeLessThan(at(own));
    expect(at(own)).toBeLessThan(at(new RegExp(`^END RequestId: ${id}$`)));
    expect(tail).toMatch(new RegExp(`^REPORT RequestId: ${id}\\tDuration: `, 'm'));

    // The logs API (what `lamina logs` reads): the same lines, under the call's request id.
    const url = `${lamina?.gateway.url ?? ''}/lamina/v1/functions/${fn}/logs?requestId=${id}`;
    const messages = await eventually(
      async () => {
        const res = await fetch(url);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { events: { message: string }[] };
        const lines = body.events.map((e) => e.message);
        expect(lines.some((l) => own.test(l))).toBe(true);
        expect(lines.some((l) => l.startsWith(`REPORT RequestId: ${id}`))).toBe(true);
        return lines;
      },
      { timeoutMs: 30_000, intervalMs: 1000 },
    );
    expect(messages[0]).toMatch(new RegExp(`^START RequestId: ${id} `));
  }, 120_000);

  it('answers a crash mid-call with Runtime.ExitError, not a timeout, stays Active and serves the next call', async () => {
    const watch = await watchFunctionStatus(lamina?.ns ?? '', fn);
    try {
      const r = await lambda.send(
        new InvokeCommand({
          FunctionName: fn,
          Payload: Buffer.from(JSON.stringify({ crash: true })),
        }),
      );
      expect(r.FunctionError).toBe('Unhandled');
      expect(decode(r.Payload)).toMatchObject({ errorType: 'Runtime.ExitError' });
      // Not Sandbox.Timedout (its timeout is 30 s): the agent saw the container end.
      // The kubelet restarts the container; the function stays Active meanwhile (as on AWS),
      // and the next call, sent once, waits for the restarted container's init.
      const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
      expect(c).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
      expect(await invoke(3)).toMatchObject({ marker: 'two', event: { n: 3 } });
      for (const s of watch.seen) {
        expect(s).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
      }
    } finally {
      watch.stop();
    }
  }, 180_000);
});

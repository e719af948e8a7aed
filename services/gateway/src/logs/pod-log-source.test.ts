/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   the API server's pods arrive as plain JSON objects too; the tests build them the same way. */
import type { V1Pod } from '@kubernetes/client-node';
import {
  FUNCTION_CONTAINER,
  SPECIALIZED_ANNOTATIONS,
  WORKER_CONTAINER,
  WORKER_ENV,
} from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { functionEventsOf, type PodLogApi, PodLogSource } from './pod-log-source.js';

const pod = (
  name: string,
  fn: string | undefined,
  annotations: Record<string, string> = {},
): V1Pod => ({
  metadata: { name, annotations },
  spec: {
    containers: [
      {
        name: WORKER_CONTAINER,
        env:
          fn === undefined
            ? []
            : [
                { name: WORKER_ENV.functionName, value: fn },
                { name: WORKER_ENV.version, value: '$LATEST' },
              ],
      },
    ],
  },
});

const line = (time: number, msg: string, stream = 'function', logStream = 's1'): string =>
  JSON.stringify({ level: 30, time, component: 'lamina-worker-agent', stream, logStream, msg });

describe('pod log source', () => {
  it('keeps only the function records of the agent log', () => {
    const log = [
      line(1, 'START RequestId: r1 Version: $LATEST'),
      JSON.stringify({ level: 30, time: 2, msg: 'agent listening' }),
      'not json at all',
      line(3, 'hello', 'other'),
      line(4, 'REPORT RequestId: r1\tDuration: 1.00 ms'),
      '',
    ].join('\n');
    expect(functionEventsOf(log)).toEqual([
      { time: 1, message: 'START RequestId: r1 Version: $LATEST', logStream: 's1' },
      { time: 4, message: 'REPORT RequestId: r1\tDuration: 1.00 ms', logStream: 's1' },
    ]);
  });

  it("reads the function's pods (specialised ones too), merges them by time, skips unreadable pods", async () => {
    const reads: { pod: string; sinceSeconds?: number }[] = [];
    const api: PodLogApi = {
      listPods: () =>
        Promise.resolve([
          pod('a-1', 'a'),
          pod('b-1', 'b'),
          pod('gen-1', undefined, { [SPECIALIZED_ANNOTATIONS.functionName]: 'a' }),
          pod('a-gone', 'a'),
        ]),
      readLog: (name, o) => {
        reads.push({
          pod: name,
          ...(o.sinceSeconds === undefined ? {} : { sinceSeconds: o.sinceSeconds }),
        });
        if (name === 'a-gone') return Promise.reject(new Error('404'));
        if (name === 'a-1')
          return Promise.resolve(
            [
              line(10, 'START RequestId: r1 Version: 1', 'function', 'x'),
              line(30, 'in r1', 'function', 'x'),
            ].join('\n'),
          );
        return Promise.resolve(line(20, 'from the generic pod', 'function', 'y'));
      },
    };
    const source = new PodLogSource({ api, now: () => 100_000 });
    const events = await source.read('a', { limit: 10, since: 5 });
    expect(reads.map((r) => r.pod).sort()).toEqual(['a-1', 'a-gone', 'gen-1']);
    expect(reads[0]?.sinceSeconds).toBe(101);
    expect(events.map((e) => [e.time, e.message, e.requestId])).toEqual([
      [10, 'START RequestId: r1 Version: 1', 'r1'],
      [20, 'from the generic pod', undefined],
      [30, 'in r1', 'r1'],
    ]);
    expect(await source.read('a', { limit: 10, requestId: 'r1' })).toHaveLength(2);
  });

  it("adds an image function's own container lines, by time, in the agent's log stream", async () => {
    const imagePod = pod('img-1', 'img');
    imagePod.spec?.containers.push({ name: FUNCTION_CONTAINER });
    const reads: string[] = [];
    const api: PodLogApi = {
      listPods: () => Promise.resolve([imagePod]),
      readLog: (name, o) => {
        reads.push(`${name}/${o.container ?? WORKER_CONTAINER}/${String(o.timestamps ?? false)}`);
        if (o.container === FUNCTION_CONTAINER) {
          return Promise.resolve(
            `${new Date(15).toISOString()} hello from the image\n${new Date(40).toISOString()} after`,
          );
        }
        return Promise.resolve(
          [
            line(10, 'START RequestId: r1 Version: $LATEST'),
            line(20, 'END RequestId: r1'),
            line(20, 'REPORT RequestId: r1\tDuration: 1.00 ms'),
          ].join('\n'),
        );
      },
    };
    const events = await new PodLogSource({ api }).read('img', { limit: 10 });
    expect(reads.sort()).toEqual(['img-1/function/true', 'img-1/worker/false']);
    expect(events.map((e) => [e.time, e.message, e.requestId])).toEqual([
      [10, 'START RequestId: r1 Version: $LATEST', 'r1'],
      [15, 'hello from the image', 'r1'],
      [20, 'END RequestId: r1', 'r1'],
      [20, 'REPORT RequestId: r1\tDuration: 1.00 ms', 'r1'],
      [40, 'after', undefined],
    ]);
  });
});

/**
 * Every shipped example runs in the mode its comment names. Local-mode folders are served by a
 * real `lamina dev --functions <folder>` and each of their functions is invoked through the AWS
 * SDK: none may be skipped. Cluster examples are applied to the real API server by
 * test/operator/crds.int.test.ts ("applies every example in deploy/examples"). A new example
 * must be added to one of the two lists below, or the first test fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';

import { startLamina } from '@lamina/testkit';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Call {
  readonly payload: unknown;
  readonly answer: Record<string, unknown>;
}

/** Folders `lamina dev --functions` serves, with a call to each function they define. */
const LOCAL: Readonly<Record<string, Readonly<Record<string, Call>>>> = {
  'examples/functions': {
    hello: { payload: { name: 'Lamina' }, answer: { message: 'Hello, Lamina!' } },
  },
  'examples/python': {
    'hello-python': { payload: { name: 'Lamina' }, answer: { greeting: 'Hej, Lamina!' } },
  },
  'deploy/examples/local-mode': {
    'echo-local': { payload: { a: 1 }, answer: { echo: { a: 1 }, function: 'echo-local' } },
  },
};

/** Cluster resources (`kubectl apply`), checked against the API server by the operator suite. */
const CLUSTER = [
  'deploy/examples/container-image.yaml',
  'deploy/examples/hello-nodejs.yaml',
  'deploy/examples/kafka-event-source.yaml',
  'deploy/examples/versions-and-alias.yaml',
];

/** Every manifest shipped as an example. */
function shippedExamples(): string[] {
  const found: string[] = [];
  for (const top of ['examples', 'deploy/examples']) {
    for (const f of readdirSync(join(ROOT, top), { recursive: true, encoding: 'utf8' })) {
      if (!/\.ya?ml$/.test(f) || /(^|\/)(node_modules|target)\//.test(f)) continue;
      found.push(join(top, f));
    }
  }
  return found.sort();
}

/** The comment lines a manifest starts with. */
function leadingComment(file: string): string {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const end = lines.findIndex((l) => !l.startsWith('#'));
  return lines.slice(0, end).join(' ');
}

describe('shipped examples', () => {
  it('are each local or cluster, and their comment says which', () => {
    const local = shippedExamples().filter((f) =>
      Object.keys(LOCAL).some((dir) => !relative(dir, f).startsWith('..')),
    );
    expect(shippedExamples()).toEqual([...local, ...CLUSTER].sort());
    for (const f of local) expect(leadingComment(f), f).toMatch(/local mode/i);
    for (const f of CLUSTER) expect(leadingComment(f), f).toMatch(/in a cluster/i);
  });

  for (const [dir, calls] of Object.entries(LOCAL)) {
    it(`run in local mode: lamina dev --functions ${dir}`, async () => {
      const lamina = await startLamina({ functionsDir: join(ROOT, dir) });
      const client = new LambdaClient({
        endpoint: lamina.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      try {
        const listed = await client.send(new ListFunctionsCommand({}));
        expect((listed.Functions ?? []).map((f) => f.FunctionName).sort()).toEqual(
          Object.keys(calls).sort(),
        );
        for (const [name, call] of Object.entries(calls)) {
          const out = await client.send(
            new InvokeCommand({
              FunctionName: name,
              Payload: Buffer.from(JSON.stringify(call.payload)),
            }),
          );
          const body = Buffer.from(out.Payload ?? []).toString('utf8');
          expect({ name, error: out.FunctionError, body }).toMatchObject({
            name,
            error: undefined,
          });
          expect(JSON.parse(body)).toMatchObject(call.answer);
        }
        expect(lamina.logs()).not.toMatch(/skipping/);
      } finally {
        client.destroy();
        await lamina.stop();
      }
    });
  }
});

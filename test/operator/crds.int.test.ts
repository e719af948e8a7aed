import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ROOT,
  createNamespace,
  deleteNamespace,
  installCrds,
  kubectl,
  kubectlOk,
} from './support/cluster.js';

// The CRDs as the real kube-apiserver enforces them: every example applies, and each bad
// resource is refused with a message a person can act on.

const fn = (name: string, spec: string): string => `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata:
  name: ${name}
spec:
${spec}`;

const ok = `  runtime: nodejs22.x
  handler: index.handler
  code:
    sha256: ${'a'.repeat(64)}
`;

const bigEnv = Array.from({ length: 5 }, (_, i) => `      V${i}: ${'x'.repeat(900)}`).join('\n');

const BAD: readonly (readonly [string, string, RegExp])[] = [
  ['memory 64', fn('m64', `${ok}  memorySize: 64\n`), /memorySize.*greater than or equal to 128/],
  [
    'memory over 10 GB',
    fn('m11g', `${ok}  memorySize: 10241\n`),
    /memorySize.*less than or equal to 10240/,
  ],
  ['timeout 0', fn('t0', `${ok}  timeout: 0\n`), /timeout.*greater than or equal to 1/],
  ['timeout 901', fn('t901', `${ok}  timeout: 901\n`), /timeout.*less than or equal to 900/],
  [
    'environment over 4 KB',
    fn('env5k', `${ok}  environment:\n    variables:\n${bigEnv}\n`),
    /exceed Lambda's 4 KB limit/,
  ],
  [
    'unknown runtime',
    fn('cobol', ok.replace('nodejs22.x', 'cobol85')),
    /Unsupported value: "cobol85".*nodejs22\.x/,
  ],
  [
    'handler missing',
    fn('nohandler', ok.replace('  handler: index.handler\n', '')),
    /handler is required for \.zip deployment packages/,
  ],
  [
    'runtime missing',
    fn('noruntime', ok.replace('  runtime: nodejs22.x\n', '')),
    /runtime is required/,
  ],
  [
    'code path and sha256',
    fn('twocode', ok.replace('  code:\n', '  code:\n    path: ./x\n')),
    /exactly one of path .* sha256 .* or image/,
  ],
  [
    'no code',
    fn('nocode', '  runtime: nodejs22.x\n  handler: index.handler\n'),
    /spec\.code: Required value/,
  ],
  [
    'bad variable name',
    fn('badkey', `${ok}  environment:\n    variables:\n      1ABC: x\n`),
    /environment variable names must start with a letter/,
  ],
  [
    'ephemeral storage 256',
    fn('eph', `${ok}  ephemeralStorage:\n    size: 256\n`),
    /size.*greater than or equal to 512/,
  ],
  [
    'alias weight 1.5',
    `apiVersion: lamina.dev/v1alpha1\nkind: Alias\nmetadata:\n  name: a1\nspec:\n  functionName: f\n  name: prod\n  functionVersion: "1"\n  routingConfig:\n    additionalVersionWeights:\n      "2": 1.5\n`,
    /less than or equal to 1/,
  ],
  [
    'alias routing on $LATEST',
    `apiVersion: lamina.dev/v1alpha1\nkind: Alias\nmetadata:\n  name: a2\nspec:\n  functionName: f\n  name: live\n  functionVersion: $LATEST\n  routingConfig:\n    additionalVersionWeights:\n      "2": 0.5\n`,
    /weighted routing needs a published primary version/,
  ],
  [
    'Kafka mapping with two topics',
    `apiVersion: lamina.dev/v1alpha1\nkind: EventSourceMapping\nmetadata:\n  name: e1\nspec:\n  functionName: f\n  topics: [a, b]\n  bootstrapServers: [k:9092]\n  startingPosition: LATEST\n`,
    /topics: Too many: 2: must have at most 1 item/,
  ],
  [
    'Kafka batch size 0',
    `apiVersion: lamina.dev/v1alpha1\nkind: EventSourceMapping\nmetadata:\n  name: e2\nspec:\n  functionName: f\n  topics: [a]\n  bootstrapServers: [k:9092]\n  startingPosition: LATEST\n  batchSize: 0\n`,
    /batchSize.*greater than or equal to 1/,
  ],
];

describe('lamina.dev CRDs on the real API server', () => {
  let ns = '';

  beforeAll(async () => {
    await installCrds();
    ns = await createNamespace('crds');
  });

  afterAll(async () => {
    await deleteNamespace(ns);
  });

  it('applies every example in deploy/examples', async () => {
    const dir = join(ROOT, 'deploy/examples');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.yaml'),
    );
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const r = await kubectl(['apply', '-n', ns, '-f', join(dir, f)]);
      expect(r.stderr, f).toBe('');
      expect(r.code, f).toBe(0);
    }
  });

  it('lists functions with runtime, memory, state, desired and ready environments and age, by short name too', async () => {
    const out = await kubectlOk(['get', 'lfn', '-n', ns]);
    expect(out.split('\n')[0]).toMatch(/NAME\s+RUNTIME\s+MEMORY\s+STATE\s+DESIRED\s+READY\s+AGE/);
    expect(out).toMatch(/hello\s+nodejs22\.x\s+256/);
    const all = await kubectlOk(['get', 'lamina', '-n', ns, '-o', 'name']);
    expect(all).toContain('alias.lamina.dev/hello-prod');
  });

  it('applies Lambda defaults (memory 128, timeout 3, batch size 100)', async () => {
    const f = JSON.parse(
      await kubectlOk(['get', 'function', 'echo-local', '-n', ns, '-o', 'json']),
    ) as {
      spec: { memorySize: number; timeout: number };
    };
    expect(f.spec).toMatchObject({ memorySize: 128, timeout: 3 });
  });

  it.each(BAD)('refuses %s with a message a person understands', async (_what, yaml, message) => {
    const r = await kubectl(['apply', '-n', ns, '-f', '-'], yaml);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('refuses a changed FunctionVersion: versions are immutable', async () => {
    const fv = (memory: number): string => `apiVersion: lamina.dev/v1alpha1
kind: FunctionVersion
metadata:
  name: frozen-v1
spec:
  functionName: frozen
  version: "1"
  function:
    memorySize: ${memory}
${ok.replace(/^(?=.)/gm, '  ')}`;
    await kubectlOk(['apply', '-n', ns, '-f', '-'], fv(128));
    const r = await kubectl(['apply', '-n', ns, '-f', '-'], fv(256));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/a FunctionVersion is immutable: publish a new version instead/);
  });

  it('refuses changing a Kafka mapping topic after creation', async () => {
    const esm = (topic: string): string =>
      `apiVersion: lamina.dev/v1alpha1\nkind: EventSourceMapping\nmetadata:\n  name: e3\nspec:\n  functionName: f\n  topics: [${topic}]\n  bootstrapServers: [k:9092]\n  startingPosition: LATEST\n`;
    await kubectlOk(['apply', '-n', ns, '-f', '-'], esm('one'));
    const r = await kubectl(['apply', '-n', ns, '-f', '-'], esm('two'));
    expect(r.stderr).toMatch(/topics is set at creation and cannot change/);
  });
});

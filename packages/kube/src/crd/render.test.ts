import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parse } from 'yaml';

import { CRD_OUTPUT_DIRS, renderCrdFiles } from './render.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('generated CRD YAML', () => {
  const files = renderCrdFiles();

  it.each(CRD_OUTPUT_DIRS)(
    'is committed up to date in %s (run npm run crds -w @lamina/kube)',
    (dir) => {
      for (const f of files) {
        const committed = readFileSync(`${root}${dir}/${f.name}`, 'utf8');
        expect(committed, `${dir}/${f.name} is stale`).toBe(f.content);
      }
    },
  );

  it('reads the same as YAML 1.1, as the API server parses it (OFF stays a string)', () => {
    for (const f of files) {
      expect(parse(f.content, { version: '1.1' }), f.name).toEqual(parse(f.content));
    }
  });

  it('defines the five kinds with status subresource, short names and printer columns', () => {
    const crds = files.map((f) => parse(f.content) as V1CustomResourceDefinition);
    expect(crds.map((c) => c.spec.names.kind)).toEqual([
      'Function',
      'FunctionVersion',
      'Alias',
      'EventSourceMapping',
      'LayerVersion',
      'Schedule',
    ]);
    const fn = crds[0]!.spec;
    expect(fn.names.shortNames).toContain('lfn');
    const version = fn.versions[0]!;
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns!.map((c) => c.name)).toEqual(
      expect.arrayContaining(['Runtime', 'Memory', 'State', 'Desired', 'Ready', 'Age']),
    );
    const spec = version.schema!.openAPIV3Schema!.properties!['spec']!;
    expect(spec.properties!['memorySize']).toMatchObject({
      minimum: 128,
      maximum: 10240,
      default: 128,
    });
    expect(spec.properties!['timeout']).toMatchObject({ minimum: 1, maximum: 900, default: 3 });
    expect(JSON.stringify(spec)).not.toContain('additionalProperties":false');
  });

  it('makes FunctionVersion specs immutable with CEL', () => {
    const fv = parse(files[1]!.content) as V1CustomResourceDefinition;
    // Wire-form keys (x-kubernetes-*), which client-node's model spells differently.
    const spec = fv.spec.versions[0]!.schema!.openAPIV3Schema!.properties!['spec']!;
    const rules = (spec as Record<string, unknown>)['x-kubernetes-validations'] as {
      rule: string;
    }[];
    const [rule] = rules.map((r) => r.rule);
    expect(rule).toContain('self.version == oldSelf.version');
    // Provisioned concurrency is the one field that changes after publishing.
    expect(rule).not.toContain('provisionedConcurrency');
    const snapshot = (spec.properties!['function'] as Record<string, unknown>)[
      'x-kubernetes-validations'
    ] as { rule: string }[];
    expect(snapshot.map((r) => r.rule)).toContain('self == oldSelf');
  });
});

import { parseFunctionRef, type VersionRecord } from '@lamina/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { FunctionEntries } from './function-entries.js';
import { InvokeTargets } from './invoke-targets.js';
import { createMetrics } from './metrics.js';
import { MemoryVersionStore } from './local/memory-version-store.js';
import { FakeFunctionStore, record } from './test-support/fakes.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:hello';

async function setUp() {
  const functions = new FakeFunctionStore();
  functions.records.set('hello', record('hello'));
  const metrics = createMetrics(new Registry());
  const versions = new MemoryVersionStore(ctx);
  for (const n of ['1', '2']) {
    const v: VersionRecord = {
      functionName: 'hello',
      version: n,
      spec: record('hello').spec,
      code: { sha256: `sha${n}`, size: 1, location: `/code/${n}` },
      description: '',
      lastModified: '',
      revisionId: n,
    };
    await versions.publish('hello', () => ({ kind: 'create', record: v }));
  }
  await versions.createAlias({
    functionName: 'hello',
    name: 'prod',
    functionVersion: '1',
    description: '',
    additionalVersionWeights: { '2': 0.1 },
    revisionId: 'a',
  });
  const draws: number[] = [];
  const targets = new InvokeTargets({
    entries: new FunctionEntries({ functions, arnContext: ctx, metrics }),
    versions,
    arnContext: ctx,
    metrics,
    random: () => draws.shift() ?? 0.5,
  });
  const resolve = (name: string) => targets.resolve(parseFunctionRef(name));
  return { functions, versions, draws, resolve, metrics };
}

describe('InvokeTargets', () => {
  it('answers repeated lookups with the same cached object', async () => {
    const { resolve } = await setUp();
    for (const name of ['hello', 'hello:$LATEST', 'hello:2', 'hello:prod']) {
      expect(resolve(name)).toBe(resolve(name));
    }
    expect(resolve('hello:2').config).toBe(resolve('hello:2').config);
  });

  it('keeps the ARN the caller used and runs the version picked', async () => {
    const { resolve, draws } = await setUp();
    expect(resolve('hello').invokedArn).toBe(ARN);
    expect(resolve('hello:$LATEST').invokedArn).toBe(`${ARN}:$LATEST`);
    draws.push(0.05, 0.5);
    const toTwo = resolve('hello:prod');
    const toOne = resolve('hello:prod');
    expect([toTwo.config.version, toTwo.invokedArn]).toEqual(['2', `${ARN}:prod`]);
    expect([toOne.config.version, toOne.config.codeDir]).toEqual(['1', '/code/1']);
    expect(toTwo.config.functionArn).toBe(ARN);
  });

  it('sees alias changes and deleted versions at once', async () => {
    const { resolve, versions } = await setUp();
    expect(resolve('hello:prod').config.version).toBe('1');
    await versions.updateAlias('hello', 'prod', (a) => ({
      ...a,
      functionVersion: '2',
      additionalVersionWeights: {},
    }));
    expect(resolve('hello:prod').config.version).toBe('2');
    await versions.deleteAlias('hello', 'prod');
    await versions.deleteVersion('hello', '1');
    expect(() => resolve('hello:1')).toThrow(`Function not found: ${ARN}:1`);
    expect(() => resolve('hello:prod')).toThrow(`Function not found: ${ARN}:prod`);
  });

  it('finds no version of a function that is gone', async () => {
    const { resolve, functions } = await setUp();
    functions.records.delete('hello');
    expect(() => resolve('hello:1')).toThrow('Function not found');
  });

  it("labels each call with Lambda's Resource: what was invoked, and the version that ran", async () => {
    const { resolve, metrics, draws } = await setUp();
    for (const name of ['hello', 'hello:$LATEST', 'hello:2', 'hello:prod', 'hello:prod']) {
      resolve(name).metrics.invocations.inc();
    }
    draws.push(0.05); // the alias's 10 % share: version 2
    resolve('hello:prod').metrics.invocations.inc();
    const values = (await metrics.invocations.get()).values.map((v) => [
      v.labels.version,
      v.labels.resource,
      v.value,
    ]);
    expect(values).toEqual([
      ['$LATEST', 'hello', 1],
      ['$LATEST', 'hello:$LATEST', 1],
      ['2', 'hello:2', 1],
      ['1', 'hello:prod', 2],
      ['2', 'hello:prod', 1],
    ]);
  });
});

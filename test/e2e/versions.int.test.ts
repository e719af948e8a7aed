import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

const handler = (tag: string): string => `
exports.handler = async (event, context) => ({
  tag: ${JSON.stringify(tag)},
  version: context.functionVersion,
  envVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  arn: context.invokedFunctionArn,
  color: process.env.COLOR,
});
`;

const zipOf = (tag: string): Buffer => makeZip({ 'index.js': handler(tag) });
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('base64');

interface Ran {
  tag: string;
  version: string;
  envVersion: string;
  arn: string;
  color?: string;
}

const clientFor = (p: LaminaProcess): LambdaClient => lambdaClient(p.url, { maxSockets: 64 });

async function invoke(
  client: LambdaClient,
  FunctionName: string,
  Qualifier?: string,
): Promise<{ ran: Ran; executed: string | undefined; log: string }> {
  const out = await client.send(
    new InvokeCommand({
      FunctionName,
      Payload: '{}',
      LogType: 'Tail',
      ...(Qualifier === undefined ? {} : { Qualifier }),
    }),
  );
  const text = Buffer.from(out.Payload ?? []).toString('utf8');
  expect(out.FunctionError, text).toBeUndefined();
  return {
    ran: JSON.parse(text) as Ran,
    executed: out.ExecutedVersion,
    log: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8'),
  };
}

describe('versions and aliases through @aws-sdk/client-lambda (local mode)', () => {
  const name = uniqueName('ver');
  const arn = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'lamina-versions-'));
  let lamina: LaminaProcess;
  let client: LambdaClient;

  beforeAll(async () => {
    lamina = await startLamina({ stateDir });
    client = clientFor(lamina);
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zipOf('A') },
        Environment: { Variables: { COLOR: 'blue' } },
        // Generous: cold starts on a loaded 2-core machine must not read as function errors.
        Timeout: 30,
      }),
    );
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  it('publishes version 1; publishing again unchanged returns 1', async () => {
    const v1 = await client.send(
      new PublishVersionCommand({ FunctionName: name, CodeSha256: sha(zipOf('A')) }),
    );
    expect(v1).toMatchObject({
      Version: '1',
      FunctionArn: `${arn}:1`,
      CodeSha256: sha(zipOf('A')),
      State: 'Active',
    });
    const again = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(again.Version).toBe('1');
    expect(again.RevisionId).toBe(v1.RevisionId);
  });

  it('updates code under a RevisionId; a stale one is refused with 412', async () => {
    const before = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const updated = await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: name,
        ZipFile: zipOf('B'),
        RevisionId: before.RevisionId,
      }),
    );
    expect(updated).toMatchObject({ Version: '$LATEST', CodeSha256: sha(zipOf('B')) });
    expect(updated.RevisionId).not.toBe(before.RevisionId);
    await expect(
      client.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          ZipFile: zipOf('X'),
          RevisionId: before.RevisionId,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'PreconditionFailedException',
      $metadata: { httpStatusCode: 412 },
    });
    await expect(
      client.send(new PublishVersionCommand({ FunctionName: name, RevisionId: before.RevisionId })),
    ).rejects.toMatchObject({ name: 'PreconditionFailedException' });
  });

  it('publishes version 2 only when CodeSha256 matches $LATEST', async () => {
    await expect(
      client.send(new PublishVersionCommand({ FunctionName: name, CodeSha256: sha(zipOf('A')) })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('is different from current CodeSHA256 in $LATEST'),
    });
    const v2 = await client.send(
      new PublishVersionCommand({
        FunctionName: name,
        CodeSha256: sha(zipOf('B')),
        Description: 'second',
      }),
    );
    expect(v2).toMatchObject({ Version: '2', Description: 'second' });
    // $LATEST moves on: C is never published.
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipOf('C') }));
  });

  it('alias prod → 1 runs version 1 while $LATEST runs newer code', async () => {
    const created = await client.send(
      new CreateAliasCommand({ FunctionName: name, Name: 'prod', FunctionVersion: '1' }),
    );
    expect(created).toMatchObject({ AliasArn: `${arn}:prod`, FunctionVersion: '1' });

    const prod = await invoke(client, `${name}:prod`);
    expect(prod.ran).toMatchObject({ tag: 'A', version: '1', envVersion: '1', arn: `${arn}:prod` });
    expect(prod.executed).toBe('1');
    expect(prod.log).toMatch(/^START RequestId: \S+ Version: 1$/m);

    const latest = await invoke(client, name);
    expect(latest.ran).toMatchObject({ tag: 'C', version: '$LATEST', arn });
    expect(latest.executed).toBe('$LATEST');

    const v2 = await invoke(client, name, '2');
    expect(v2.ran).toMatchObject({ tag: 'B', version: '2', arn: `${arn}:2` });
    expect(v2.executed).toBe('2');

    const byArn = await invoke(client, `${arn}:prod`);
    expect(byArn.ran.tag).toBe('A');
    expect((await invoke(client, `${arn}:$LATEST`)).ran.arn).toBe(`${arn}:$LATEST`);

    await expect(invoke(client, `${name}:9`)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(invoke(client, `${name}:nope`)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('sends 30 % ± 5 % of 2000 calls of a weighted alias to version 2', async () => {
    const current = await client.send(new GetAliasCommand({ FunctionName: name, Name: 'prod' }));
    await expect(
      client.send(
        new UpdateAliasCommand({
          FunctionName: name,
          Name: 'prod',
          RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } },
          RevisionId: 'stale',
        }),
      ),
    ).rejects.toMatchObject({ name: 'PreconditionFailedException' });
    const weighted = await client.send(
      new UpdateAliasCommand({
        FunctionName: name,
        Name: 'prod',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } },
        RevisionId: current.RevisionId,
      }),
    );
    expect(weighted.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.3 });

    const counts = new Map<string, number>();
    const total = 2000;
    const concurrency = 8;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          next++;
          const out = await client.send(
            new InvokeCommand({ FunctionName: name, Qualifier: 'prod', Payload: '{}' }),
          );
          const text = Buffer.from(out.Payload ?? []).toString('utf8');
          expect(out.FunctionError, text).toBeUndefined();
          const ran = JSON.parse(text) as Ran;
          // What ran matches what the header says, and the code is that version's.
          expect(ran.version).toBe(out.ExecutedVersion);
          expect(ran.tag).toBe(out.ExecutedVersion === '2' ? 'B' : 'A');
          const v = out.ExecutedVersion ?? '?';
          counts.set(v, (counts.get(v) ?? 0) + 1);
        }
      }),
    );
    const two = counts.get('2') ?? 0;
    expect(two + (counts.get('1') ?? 0)).toBe(total);
    expect(two / total).toBeGreaterThanOrEqual(0.25);
    expect(two / total).toBeLessThanOrEqual(0.35);
  });

  it('lists versions ($LATEST first, pages of MaxItems) and aliases', async () => {
    const all = await client.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    expect(all.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    expect(all.Versions?.[0]?.FunctionArn).toBe(`${arn}:$LATEST`);
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(
        new ListVersionsByFunctionCommand({ FunctionName: name, MaxItems: 2, Marker: marker }),
      );
      seen.push(...(page.Versions ?? []).map((v) => v.Version ?? ''));
      marker = page.NextMarker;
    } while (marker !== undefined);
    expect(seen).toEqual(['$LATEST', '1', '2']);

    const aliases = await client.send(new ListAliasesCommand({ FunctionName: name }));
    expect(aliases.Aliases?.map((a) => a.Name)).toEqual(['prod']);
    const usingTwo = await client.send(
      new ListAliasesCommand({ FunctionName: name, FunctionVersion: '2' }),
    );
    expect(usingTwo.Aliases).toHaveLength(1);
  });

  it('reads a version and an alias with GetFunction / GetFunctionConfiguration', async () => {
    const v1 = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: '1' }),
    );
    expect(v1).toMatchObject({
      Version: '1',
      FunctionArn: `${arn}:1`,
      CodeSha256: sha(zipOf('A')),
    });
    const viaAlias = await client.send(new GetFunctionCommand({ FunctionName: `${name}:prod` }));
    expect(viaAlias.Configuration).toMatchObject({ Version: '1', FunctionArn: `${arn}:prod` });
    const latest = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect(latest.Configuration).toMatchObject({ Version: '$LATEST', FunctionArn: arn });
  });

  it('refuses bad aliases with Lambda errors', async () => {
    const bad = (input: { Name: string; FunctionVersion: string; w?: Record<string, number> }) =>
      client.send(
        new CreateAliasCommand({
          FunctionName: name,
          Name: input.Name,
          FunctionVersion: input.FunctionVersion,
          ...(input.w === undefined
            ? {}
            : { RoutingConfig: { AdditionalVersionWeights: input.w } }),
        }),
      );
    await expect(bad({ Name: '123', FunctionVersion: '1' })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(bad({ Name: 'prod', FunctionVersion: '1' })).rejects.toMatchObject({
      name: 'ResourceConflictException',
    });
    await expect(
      bad({ Name: 'x', FunctionVersion: '$LATEST', w: { '2': 0.1 } }),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(bad({ Name: 'x', FunctionVersion: '1', w: { '2': 1.5 } })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(bad({ Name: 'x', FunctionVersion: '7' })).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('updates the configuration of $LATEST only, under a RevisionId', async () => {
    const before = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const after = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Environment: { Variables: { COLOR: 'green' } },
        MemorySize: 256,
        RevisionId: before.RevisionId,
      }),
    );
    expect(after).toMatchObject({
      MemorySize: 256,
      Environment: { Variables: { COLOR: 'green' } },
    });
    await expect(
      client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: name,
          Timeout: 5,
          RevisionId: before.RevisionId,
        }),
      ),
    ).rejects.toMatchObject({ name: 'PreconditionFailedException' });
    expect((await invoke(client, name)).ran.color).toBe('green');
    expect((await invoke(client, name, '1')).ran.color).toBe('blue');
  });

  it('deletes a version only when no alias uses it; numbers are never reused', async () => {
    await expect(
      client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '2' })),
    ).rejects.toMatchObject({
      name: 'ResourceConflictException',
      $metadata: { httpStatusCode: 409 },
    });
    await client.send(
      new CreateAliasCommand({ FunctionName: name, Name: 'old', FunctionVersion: '2' }),
    );
    await client.send(new DeleteAliasCommand({ FunctionName: name, Name: 'old' }));
    await client.send(
      new UpdateAliasCommand({
        FunctionName: name,
        Name: 'prod',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: {} },
      }),
    );
    await client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '2' }));
    await expect(invoke(client, name, '2')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const v3 = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v3.Version).toBe('3');
  });

  it('keeps versions and aliases across a restart and shows them to a second process', async () => {
    await lamina.stop();
    lamina = await startLamina({ stateDir });
    client.destroy();
    client = clientFor(lamina);
    const second = await startLamina({ stateDir });
    const other = clientFor(second);
    try {
      for (const c of [client, other]) {
        const prod = await invoke(c, `${name}:prod`);
        expect(prod.ran.tag).toBe('A');
        expect(prod.executed).toBe('1');
        expect((await invoke(c, name, '3')).ran.tag).toBe('C');
      }
      // A version published by one process is invocable through the other.
      await other.send(
        new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipOf('D'), Publish: true }),
      );
      await expect
        .poll(async () => (await invoke(client, name, '4').catch(() => undefined))?.ran.tag, {
          timeout: 5000,
        })
        .toBe('D');
    } finally {
      other.destroy();
      await second.stop();
    }
  });

  it('deleting the function removes its versions; a new one starts at 1', async () => {
    await client.send(new DeleteFunctionCommand({ FunctionName: name }));
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zipOf('E') },
        Publish: true,
      }),
    );
    const list = await client.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    expect(list.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1']);
    expect((await invoke(client, name, '1')).ran.tag).toBe('E');
    const aliases = await client.send(new ListAliasesCommand({ FunctionName: name }));
    expect(aliases.Aliases).toEqual([]);
  });
});

describe('a published version of a manifest function keeps its code', () => {
  const name = uniqueName('manifest-ver');
  const dir = mkdtempSync(join(tmpdir(), 'lamina-manifest-ver-'));
  let lamina: LaminaProcess;
  let client: LambdaClient;
  const writeCode = (tag: string): void => {
    writeFileSync(join(dir, 'code', 'index.js'), handler(tag));
  };

  beforeAll(async () => {
    mkdirSync(join(dir, 'code'));
    writeCode('M1');
    writeFileSync(
      join(dir, 'fn.yaml'),
      `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata: { name: ${name} }
spec:
  runtime: nodejs22.x
  handler: index.handler
  code: { path: ./code }
`,
    );
    lamina = await startLamina({ functionsDir: dir });
    client = clientFor(lamina);
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  it('runs the snapshot after the folder changes', async () => {
    const v1 = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v1.Version).toBe('1');
    writeCode('M2');
    await expect
      .poll(async () => (await invoke(client, name)).ran.tag, { timeout: 10_000 })
      .toBe('M2');
    expect((await invoke(client, name, '1')).ran.tag).toBe('M1');
    const v2 = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v2.Version).toBe('2');
    expect(v2.CodeSha256).not.toBe(v1.CodeSha256);
    expect((await invoke(client, name, '2')).ran.tag).toBe('M2');
  });
});

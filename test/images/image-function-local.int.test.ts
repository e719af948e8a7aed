import {
  CreateFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  type LambdaClient,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lambdaClient } from '../support/lambda-client.js';
import { run } from './docker.js';
import {
  buildFunctionImage,
  haveDocker,
  markerHandler,
  nodeRuntimeImage,
} from './function-image.js';

// Container-image functions in local mode (ADR 0028): `lamina dev` runs the image through Docker
// with its own ENTRYPOINT (the official runtime interface client) and CMD (the handler), on the
// host network so the client reaches the environment's Runtime API. Created, invoked and updated
// through the unmodified AWS SDK.

const docker = haveDocker();

const decode = (p: Uint8Array | undefined): Record<string, unknown> =>
  JSON.parse(Buffer.from(p ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;

describe.skipIf(!docker)(
  docker ? 'image functions in local mode' : 'image functions in local mode (skipped: no Docker)',
  () => {
    let lamina: LaminaProcess | undefined;
    let lambda: LambdaClient;
    const images: string[] = [];

    beforeAll(async () => {
      const base = await nodeRuntimeImage();
      images.push(await buildFunctionImage(base, 'local-one', markerHandler('one')));
      images.push(await buildFunctionImage(base, 'local-two', markerHandler('two')));
      lamina = await startLamina();
      lambda = lambdaClient(lamina.url);
    }, 300_000);

    afterAll(async () => {
      lambda.destroy();
      await lamina?.stop();
      if (images.length > 0) await run('docker', ['rmi', '-f', ...images]);
    });

    it('runs the image, honours ImageConfig, and serves a new image after UpdateFunctionCode', async () => {
      const [one = '', two = ''] = images;
      const fn = uniqueName('img-local');
      const created = await lambda.send(
        new CreateFunctionCommand({
          FunctionName: fn,
          PackageType: 'Image',
          Code: { ImageUri: one },
          Role: 'arn:aws:iam::000000000000:role/lambda',
          MemorySize: 256,
          Environment: { Variables: { GREETING: 'hi' } },
          ImageConfig: { WorkingDirectory: '/tmp' },
        }),
      );
      expect(created.PackageType).toBe('Image');
      expect(created.Runtime).toBeUndefined();

      const first = await lambda.send(
        new InvokeCommand({ FunctionName: fn, Payload: Buffer.from('{"n":1}') }),
      );
      expect(first.FunctionError).toBeUndefined();
      expect(decode(first.Payload)).toMatchObject({
        marker: 'one',
        event: { n: 1 },
        fn,
        memory: '256',
        greeting: 'hi',
        cwd: '/tmp',
      });

      await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: fn, ImageUri: two }));
      const got = await lambda.send(new GetFunctionCommand({ FunctionName: fn }));
      expect(got.Code).toMatchObject({ RepositoryType: 'ECR', ImageUri: two });
      const second = await lambda.send(
        new InvokeCommand({ FunctionName: fn, Payload: Buffer.from('{"n":2}') }),
      );
      expect(decode(second.Payload)).toMatchObject({ marker: 'two', event: { n: 2 } });
    }, 180_000);
  },
);

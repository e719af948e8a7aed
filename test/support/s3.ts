import { awsEscape, signRequest } from '@lamina/core';

import { testEnv } from '@lamina/testkit';

/**
 * The test environment's S3-compatible server (lamina-s3 on gofakes3, test/env/lib/s3.sh), driven
 * with a few SigV4-signed REST calls: create a bucket, turn versioning on, put an object. Enough to
 * set up the objects the code-from-S3 suites read; the gateway's own reading is what they test.
 */
export interface TestS3 {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  createBucket(bucket: string): Promise<void>;
  enableVersioning(bucket: string): Promise<void>;
  /** Resolves to the object's version id (undefined on an unversioned bucket). */
  putObject(bucket: string, key: string, body: Buffer): Promise<string | undefined>;
}

/** `keys` replaces the environment's credentials (a suite showing that wrong ones are refused). */
export function testS3(keys?: { accessKeyId?: string; secretAccessKey?: string }): TestS3 {
  const endpoint = testEnv.require('LAMINA_TEST_S3_ENDPOINT');
  const accessKeyId = keys?.accessKeyId ?? testEnv.require('LAMINA_TEST_S3_ACCESS_KEY_ID');
  const secretAccessKey =
    keys?.secretAccessKey ?? testEnv.require('LAMINA_TEST_S3_SECRET_ACCESS_KEY');
  const host = new URL(endpoint).host;

  const send = async (path: string, body: Buffer | string): Promise<Response> => {
    const headers = signRequest({
      method: 'PUT',
      url: path,
      headers: { host },
      body,
      accessKeyId,
      secretAccessKey,
      region: 'us-east-1',
      service: 's3',
      now: Date.now(),
      s3: true,
    });
    const res = await fetch(`${endpoint}${path}`, { method: 'PUT', headers, body });
    if (!res.ok) throw new Error(`S3 PUT ${path}: ${String(res.status)} ${await res.text()}`);
    return res;
  };
  const keyPath = (key: string): string => key.split('/').map(awsEscape).join('/');

  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    createBucket: async (bucket) => {
      await send(`/${bucket}`, '');
    },
    enableVersioning: async (bucket) => {
      await send(
        `/${bucket}?versioning=`,
        '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>',
      );
    },
    putObject: async (bucket, key, body) => {
      const res = await send(`/${bucket}/${keyPath(key)}`, body);
      return res.headers.get('x-amz-version-id') ?? undefined;
    },
  };
}

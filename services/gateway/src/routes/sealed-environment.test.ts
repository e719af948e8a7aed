import { ENVIRONMENT_TOKEN_HEADER, environmentToken, kmsDecryptError } from '@lamina/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { fakeApp } from '../test-support/fakes.js';
import type { SealedEnvironments } from './sealed-environment.js';

const SECRET = 'a-code-token-secret-of-32-chars!';
const open = {
  region: 'us-east-1',
  accountId: '000000000000',
  accountConcurrency: 1000,
  minUnreservedConcurrency: 100,
};
const config = { ...open, codeTokenSecret: SECRET };
const held: Record<string, ReturnType<SealedEnvironments['resolve']>> = {
  'f-vars-1': { variables: { A: '1' }, sealed: true },
  'f-vars-2': { variables: {}, sealed: true, error: kmsDecryptError('KMSNotFoundException') },
  'f-vars-plain': { variables: { A: '1' }, sealed: false },
};
const sealedEnvironments: SealedEnvironments = { resolve: (name) => held[name] };
const path = (name: string) => `/lamina/v1/environment/${name}`;
const token = (name: string) => ({ [ENVIRONMENT_TOKEN_HEADER]: environmentToken(SECRET, name) });

describe('the sealed variables route (ADR 0046)', () => {
  it("answers an envelope's variables only with that Secret's token", async () => {
    const { app } = fakeApp({ config, sealedEnvironments });
    const ok = await request(app).get(path('f-vars-1')).set(token('f-vars-1')).expect(200);
    expect(ok.body).toEqual({ variables: { A: '1' } });
    await request(app).get(path('f-vars-1')).expect(404);
    await request(app).get(path('f-vars-1')).set(token('f-vars-2')).expect(404);
    // Unknown and plain Secrets are the same 404: no oracle, and plain ones are not served here.
    await request(app).get(path('nope')).set(token('nope')).expect(404);
    await request(app).get(path('f-vars-plain')).set(token('f-vars-plain')).expect(404);
  });

  it("answers Lambda's KMS exception when the key cannot open it", async () => {
    const { app } = fakeApp({ config, sealedEnvironments });
    const res = await request(app).get(path('f-vars-2')).set(token('f-vars-2')).expect(502);
    expect(res.headers['x-amzn-errortype']).toBe('KMSNotFoundException');
    expect(res.body).toMatchObject({
      Type: 'Service',
      Message: expect.stringMatching(/not found/),
    });
  });

  it('serves nothing without a token secret', async () => {
    const { app } = fakeApp({ config: open, sealedEnvironments });
    await request(app).get(path('f-vars-1')).set(token('f-vars-1')).expect(404);
  });
});

describe('a function whose sealed variables do not open', () => {
  it('is KMSNotFoundException (502) on invoke and Environment.Error on read', async () => {
    const fake = fakeApp({ config });
    await request(fake.app)
      .post('/2015-03-31/functions')
      .send({
        FunctionName: 'hello',
        Runtime: 'nodejs22.x',
        Role: 'arn:aws:iam::000000000000:role/r',
        Handler: 'index.handler',
        Code: { ZipFile: Buffer.from('PK\x03\x04 zip').toString('base64') },
      })
      .expect(201);
    const error = kmsDecryptError('KMSNotFoundException');
    await fake.functions.update('hello', (r) => ({
      ...r,
      spec: { ...r.spec, environmentError: error },
    }));
    const invoked = await request(fake.app)
      .post('/2015-03-31/functions/hello/invocations')
      .send({})
      .expect(502);
    expect(invoked.headers['x-amzn-errortype']).toBe('KMSNotFoundException');
    expect(invoked.body).toMatchObject({ Message: error.message });
    const conf = await request(fake.app)
      .get('/2015-03-31/functions/hello/configuration')
      .expect(200);
    expect((conf.body as { Environment?: unknown }).Environment).toEqual({
      Variables: {},
      Error: { ErrorCode: 'KMSNotFoundException', Message: error.message },
    });
  });
});

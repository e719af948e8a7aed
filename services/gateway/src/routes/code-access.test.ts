import { createHash } from 'node:crypto';

import { CODE_TOKEN_HEADER, codeToken } from '@lamina/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { fakeApp, type GetFunctionBody, json } from '../test-support/fakes.js';

const SECRET = 'a-code-token-secret-of-32-chars!';
const ZIP = Buffer.from('PK\x03\x04 pretend zip');
const HEX = createHash('sha256').update(ZIP).digest('hex');

const config = {
  region: 'us-east-1',
  accountId: '000000000000',
  accountConcurrency: 1000,
  minUnreservedConcurrency: 100,
  codeTokenSecret: SECRET,
};

async function withFunction() {
  const fake = fakeApp({ config });
  await request(fake.app)
    .post('/2015-03-31/functions')
    .send({
      FunctionName: 'hello',
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::000000000000:role/r',
      Handler: 'index.handler',
      Code: { ZipFile: ZIP.toString('base64') },
    })
    .expect(201);
  return fake;
}

describe('code route with a token secret', () => {
  it('serves a package only with its own token (header), else 404 as for an unknown hex', async () => {
    const { app } = await withFunction();
    const path = `/lamina/v1/code/${HEX}`;
    await request(app).get(path).expect(404);
    await request(app).get(path).set(CODE_TOKEN_HEADER, 'wrong').expect(404);
    await request(app)
      .get(path)
      .set(CODE_TOKEN_HEADER, codeToken(SECRET, 'b'.repeat(64)))
      .expect(404);
    await request(app)
      .get(path)
      .set(CODE_TOKEN_HEADER, codeToken('another-secret-xxxxxx', HEX))
      .expect(404);
    const ok = await request(app)
      .get(path)
      .set(CODE_TOKEN_HEADER, codeToken(SECRET, HEX))
      .expect(200);
    expect(ok.headers['content-type']).toBe('application/zip');
  });

  it("gives GetFunction's caller a pre-signed Code.Location that downloads", async () => {
    const { app } = await withFunction();
    const res = await request(app).get('/2015-03-31/functions/hello').expect(200);
    const location = new URL(json<GetFunctionBody>(res).Code.Location);
    expect(location.pathname).toBe(`/lamina/v1/code/${HEX}`);
    expect(location.searchParams.get('token')).toBe(codeToken(SECRET, HEX));
    await request(app).get(`${location.pathname}${location.search}`).expect(200);
    await request(app)
      .get(`${location.pathname}?token=${'0'.repeat(64)}`)
      .expect(404);
  });

  it('stays open without a secret (local mode)', async () => {
    const { app } = fakeApp();
    await request(app)
      .post('/2015-03-31/functions')
      .send({
        FunctionName: 'hello',
        Runtime: 'nodejs22.x',
        Role: 'arn:aws:iam::000000000000:role/r',
        Handler: 'index.handler',
        Code: { ZipFile: ZIP.toString('base64') },
      })
      .expect(201);
    const res = await request(app).get('/2015-03-31/functions/hello').expect(200);
    expect(new URL(json<GetFunctionBody>(res).Code.Location).search).toBe('');
    await request(app).get(`/lamina/v1/code/${HEX}`).expect(200);
  });
});

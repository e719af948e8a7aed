import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { LocalTransitions } from '../state-transitions.js';
import { fakeApp, json } from '../test-support/fakes.js';

const ZIP = Buffer.from('PK\x03\x04 pretend zip');
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:hello';
const body = {
  FunctionName: 'hello',
  Runtime: 'nodejs22.x',
  Role: 'arn:aws:iam::000000000000:role/r',
  Handler: 'index.handler',
  Code: { ZipFile: ZIP.toString('base64') },
};
type Config = Record<string, unknown> & { RevisionId: string };

/** An app whose transitions wait for `release()` (LAMINA_STATE_SETTLE_MS in a real gateway). */
function heldApp() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const held = fakeApp();
  const transitions = new LocalTransitions({
    functions: held.functions,
    logger: { warn: () => undefined },
    codeAvailable: () => true,
  });
  const begin = transitions.begin.bind(transitions);
  const pending: Promise<void>[] = [];
  const deferred = {
    begin: (name: string) => {
      pending.push(
        gate
          .then(() => {
            begin(name);
          })
          .then(() => transitions.settled(name)),
      );
    },
    settled: (name: string) => transitions.settled(name),
  };
  const { functions } = held;
  const { app } = fakeApp({ functions, transitions: deferred });
  const settle = async () => {
    release();
    await Promise.all(pending);
  };
  return { app, functions, settle };
}

describe('the state machine (ADR 0033)', () => {
  it('creates Pending, becomes Active with another RevisionId, and refuses changes meanwhile', async () => {
    const { app, settle } = heldApp();
    const created = json<Config>(
      await request(app).post('/2015-03-31/functions').send(body).expect(201),
    );
    expect(created).toMatchObject({
      State: 'Pending',
      StateReason: 'The function is being created.',
      StateReasonCode: 'Creating',
    });
    expect(created['LastUpdateStatus']).toBeUndefined();
    const busy = await request(app)
      .put('/2015-03-31/functions/hello/configuration')
      .send({ Timeout: 9 })
      .expect(409);
    expect(json(busy).message).toBe(
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
    await settle();
    const active = json<Config>(
      await request(app).get('/2015-03-31/functions/hello/configuration').expect(200),
    );
    expect(active).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    expect(active['StateReason']).toBeUndefined();
    expect(active.RevisionId).not.toBe(created.RevisionId);
  });

  it('answers an update InProgress and refuses a second one with AWS text', async () => {
    const { app, functions, settle } = heldApp();
    await request(app).post('/2015-03-31/functions').send(body).expect(201);
    await settle();
    // Transitions that never finish: the update stays InProgress.
    const again = fakeApp({
      functions,
      transitions: { begin: () => undefined, settled: () => undefined },
    });
    const updated = json<Config>(
      await request(again.app)
        .put('/2015-03-31/functions/hello/configuration')
        .send({ Timeout: 9 })
        .expect(200),
    );
    expect(updated).toMatchObject({
      State: 'Active',
      LastUpdateStatus: 'InProgress',
      LastUpdateStatusReason: 'The function is being created.',
      LastUpdateStatusReasonCode: 'Creating',
    });
    const second = await request(again.app)
      .put('/2015-03-31/functions/hello/code')
      .send({ ZipFile: ZIP.toString('base64') })
      .expect(409);
    expect(json(second)).toMatchObject({
      Type: 'User',
      message: `The operation cannot be performed at this time. An update is in progress for resource: ${ARN}`,
    });
  });

  it('settles at once without a hold, so the next update is accepted', async () => {
    const { app } = fakeApp();
    await request(app).post('/2015-03-31/functions').send(body).expect(201);
    await request(app)
      .put('/2015-03-31/functions/hello/configuration')
      .send({ Timeout: 9 })
      .expect(200);
    await request(app)
      .put('/2015-03-31/functions/hello/configuration')
      .send({ Timeout: 8 })
      .expect(200);
  });

  it("changes $LATEST's RevisionId when a version is published", async () => {
    const { app } = fakeApp();
    await request(app).post('/2015-03-31/functions').send(body).expect(201);
    const before = json<Config>(
      await request(app).get('/2015-03-31/functions/hello/configuration'),
    );
    await request(app).post('/2015-03-31/functions/hello/versions').send({}).expect(201);
    const after = json<Config>(await request(app).get('/2015-03-31/functions/hello/configuration'));
    expect(after.RevisionId).not.toBe(before.RevisionId);
  });
});

describe('TagResource, UntagResource, ListTags', () => {
  const tagsPath = `/2017-03-31/tags/${encodeURIComponent(ARN)}`;

  it('adds, lists and removes tags; CreateFunction tags are there from the start', async () => {
    const { app } = fakeApp();
    await request(app)
      .post('/2015-03-31/functions')
      .send({ ...body, Tags: { team: 'a' } })
      .expect(201);
    const t = await request(app)
      .post(tagsPath)
      .send({ Tags: { env: 'prod', team: 'b' } });
    expect(t.text).toBe('');
    expect(t.status).toBe(204);
    expect(json<{ Tags: unknown }>(await request(app).get(tagsPath).expect(200)).Tags).toEqual({
      team: 'b',
      env: 'prod',
    });
    const untagged = await request(app).delete(`${tagsPath}?tagKeys=team&tagKeys=none`);
    expect(untagged.status).toBe(204);
    expect(json<{ Tags: unknown }>(await request(app).get(tagsPath)).Tags).toEqual({ env: 'prod' });
    const got = json<{ Tags: unknown }>(await request(app).get('/2015-03-31/functions/hello'));
    expect(got.Tags).toEqual({ env: 'prod' });
  });

  it("refuses more than 50 tags and the aws: prefix; a missing function is AWS's not-found", async () => {
    const { app } = fakeApp();
    await request(app).post('/2015-03-31/functions').send(body).expect(201);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${String(i)}`, 'v']));
    const over = await request(app).post(tagsPath).send({ Tags: many }).expect(400);
    expect(json(over)).toMatchObject({
      Type: 'User',
      message: 'Number of tags exceeds resource tag limit.',
    });
    await request(app)
      .post(tagsPath)
      .send({ Tags: { 'aws:x': 'v' } })
      .expect(400);
    const missing = await request(app)
      .get(`/2017-03-31/tags/${encodeURIComponent(`${ARN}-none`)}`)
      .expect(404);
    expect(json(missing).Message).toBe(`Function not found: ${ARN}-none`);
  });
});

import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { MemoryMappingStore } from '../async/mapping-store.js';
import { fakeApp, record } from '../test-support/fakes.js';

const json = (res: { body: unknown }): Record<string, unknown> =>
  res.body as Record<string, unknown>;

const PATH = '/2015-03-31/event-source-mappings';
const body = {
  FunctionName: 'hello',
  Topics: ['orders'],
  SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['127.0.0.1:19092'] } },
  StartingPosition: 'TRIM_HORIZON',
  BatchSize: 500,
};

function withMappings() {
  const mappings = new MemoryMappingStore();
  const t = fakeApp({ mappings });
  t.functions.records.set('hello', record('hello'));
  return { ...t, mappings };
}

describe('event source mapping API', () => {
  it('creates (202, Creating), gets, lists by function, updates (202) and deletes (202)', async () => {
    const { app, mappings } = withMappings();
    const created = json(await request(app).post(PATH).send(body).expect(202));
    expect(created).toMatchObject({ State: 'Creating', BatchSize: 500, Topics: ['orders'] });
    const uuid = String(created['UUID']);
    expect(created['SelfManagedKafkaEventSourceConfig']).toEqual({ ConsumerGroupId: uuid });

    mappings.statuses.set(uuid, {
      state: 'Enabled',
      stateTransitionReason: 'USER_INITIATED',
      lastProcessingResult: 'OK',
    });
    expect(json(await request(app).get(`${PATH}/${uuid}`).expect(200))).toMatchObject({
      State: 'Enabled',
      LastProcessingResult: 'OK',
    });
    const list = json(await request(app).get(`${PATH}?FunctionName=hello`).expect(200));
    expect(list['EventSourceMappings']).toHaveLength(1);
    const none = json(await request(app).get(`${PATH}?FunctionName=other`).expect(200));
    expect(none['EventSourceMappings']).toHaveLength(0);

    const updated = json(
      await request(app).put(`${PATH}/${uuid}`).send({ Enabled: false, BatchSize: 7 }).expect(202),
    );
    expect(updated).toMatchObject({ State: 'Updating', BatchSize: 7 });
    expect(mappings.mappings.get(uuid)?.enabled).toBe(false);
    await request(app)
      .put(`${PATH}/${uuid}`)
      .send({ Topics: ['x'] })
      .expect(400);

    expect(json(await request(app).delete(`${PATH}/${uuid}`).expect(202))['State']).toBe(
      'Deleting',
    );
    await request(app).get(`${PATH}/${uuid}`).expect(404);
  });

  it('refuses a missing function, bad limits and a consumer group in use', async () => {
    const { app } = withMappings();
    await request(app)
      .post(PATH)
      .send({ ...body, FunctionName: 'nope' })
      .expect(404);
    const bad = await request(app)
      .post(PATH)
      .send({ ...body, BatchSize: 0 })
      .expect(400);
    expect(bad.headers['x-amzn-errortype']).toBe('ValidationException');
    const group = { SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'g1' } };
    await request(app)
      .post(PATH)
      .send({ ...body, ...group })
      .expect(202);
    await request(app)
      .post(PATH)
      .send({ ...body, ...group })
      .expect(409);
  });
});

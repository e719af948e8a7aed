import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { MemoryMappingStore } from '../async/mapping-store.js';
import { fakeApp, record } from '../test-support/fakes.js';

const PATH = '/2015-03-31/event-source-mappings';
const ARN = 'arn:aws:sqs:us-east-1:000000000000:orders';

const json = (res: { body: unknown }): Record<string, unknown> =>
  res.body as Record<string, unknown>;

describe('event source mapping API with SQS queues', () => {
  it('creates several mappings on one queue, lists them by EventSourceArn, validates as Lambda', async () => {
    const mappings = new MemoryMappingStore();
    const { app, functions } = fakeApp({ mappings });
    functions.records.set('hello', record('hello'));
    const body = { FunctionName: 'hello', EventSourceArn: ARN };
    const first = json(await request(app).post(PATH).send(body).expect(202));
    expect(first).toMatchObject({
      EventSourceArn: ARN,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      State: 'Creating',
    });
    expect(first).not.toHaveProperty('Topics');
    await request(app)
      .post(PATH)
      .send({ ...body, ScalingConfig: { MaximumConcurrency: 4 } })
      .expect(202);
    const listed = json(
      await request(app)
        .get(`${PATH}?EventSourceArn=${encodeURIComponent(ARN)}`)
        .expect(200),
    );
    expect(listed['EventSourceMappings']).toHaveLength(2);

    const tooBig = await request(app)
      .post(PATH)
      .send({ ...body, BatchSize: 100 })
      .expect(400);
    expect(tooBig.text).toContain('Maximum batch window in seconds must be greater than 0');
    await request(app)
      .post(PATH)
      .send({ ...body, StartingPosition: 'LATEST' })
      .expect(400);
    const updated = json(
      await request(app)
        .put(`${PATH}/${String(first['UUID'])}`)
        .send({ BatchSize: 1000, MaximumBatchingWindowInSeconds: 5 })
        .expect(202),
    );
    expect(updated).toMatchObject({ BatchSize: 1000, MaximumBatchingWindowInSeconds: 5 });
  });
});

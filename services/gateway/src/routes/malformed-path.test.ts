import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { MemoryMappingStore } from '../async/mapping-store.js';
import { FakeAsyncStore } from '../test-support/fake-async-store.js';
import { fakeApp, json } from '../test-support/fakes.js';

/** Every route with a path parameter, with `{}` where the parameter goes. */
const ROUTES: readonly (readonly ['get' | 'post' | 'put' | 'delete', string])[] = [
  ['post', '/2015-03-31/functions/{}/invocations'],
  ['get', '/2015-03-31/functions/{}'],
  ['delete', '/2015-03-31/functions/{}'],
  ['get', '/2015-03-31/functions/{}/configuration'],
  ['put', '/2015-03-31/functions/{}/configuration'],
  ['put', '/2015-03-31/functions/{}/code'],
  ['get', '/2015-03-31/functions/{}/versions'],
  ['post', '/2015-03-31/functions/{}/versions'],
  ['get', '/2015-03-31/functions/{}/aliases'],
  ['post', '/2015-03-31/functions/{}/aliases'],
  ['get', '/2015-03-31/functions/hello/aliases/{}'],
  ['put', '/2015-03-31/functions/hello/aliases/{}'],
  ['delete', '/2015-03-31/functions/hello/aliases/{}'],
  ['put', '/2017-10-31/functions/{}/concurrency'],
  ['delete', '/2017-10-31/functions/{}/concurrency'],
  ['get', '/2019-09-30/functions/{}/concurrency'],
  ['get', '/2019-09-25/functions/{}/event-invoke-config'],
  ['put', '/2019-09-25/functions/{}/event-invoke-config'],
  ['delete', '/2019-09-25/functions/{}/event-invoke-config'],
  ['get', '/2015-03-31/event-source-mappings/{}'],
  ['put', '/2015-03-31/event-source-mappings/{}'],
  ['delete', '/2015-03-31/event-source-mappings/{}'],
  ['get', '/lamina/v1/code/{}'],
  ['get', '/lamina/v1/queues/{}/messages'],
];

/** Not percent-encoding at all, and an overlong UTF-8 encoding of `/`. */
const MALFORMED = ['%zz', '%c0%af', 'hello%c0%af', '%'];

describe('a path parameter that is not valid percent-encoded UTF-8', () => {
  for (const bad of MALFORMED) {
    it(`answers 400 ValidationException on every route (${bad})`, async () => {
      const { app } = fakeApp({ async: new FakeAsyncStore(), mappings: new MemoryMappingStore() });
      for (const [method, path] of ROUTES) {
        const res = await request(app)[method](path.replace('{}', bad)).send({});
        expect({ route: `${method} ${path}`, status: res.status }).toEqual({
          route: `${method} ${path}`,
          status: 400,
        });
        expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
        expect(json(res).Type).toBe('User');
      }
    });
  }

  it('answers 4xx for a malformed Qualifier in the query string', async () => {
    const { app } = fakeApp();
    for (const bad of MALFORMED) {
      const res = await request(app).post(
        `/2015-03-31/functions/hello/invocations?Qualifier=${bad}`,
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });
});

import { Writable } from 'node:stream';

import { LaminaError, TooManyRequestsException } from '@lamina/core';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { errorMiddleware, toLambdaError } from './errors.js';
import { requestContextMiddleware } from './request-context.js';
import { fakeApp, record } from '../test-support/fakes.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

function appThrowing(err: unknown, logger = pino({ level: 'silent' })) {
  const app = express();
  app.use(requestContextMiddleware(logger));
  app.get('/x', () => {
    throw err;
  });
  app.use(errorMiddleware(logger));
  return app;
}

describe('toLambdaError', () => {
  it('keeps LaminaErrors and maps body-parser errors', () => {
    const own = new LaminaError('ValidationException', 'v');
    expect(toLambdaError(own)).toBe(own);
    const tooLarge = Object.assign(new Error('request entity too large'), {
      type: 'entity.too.large',
      limit: 99,
    });
    expect(toLambdaError(tooLarge)).toMatchObject({
      name: 'RequestEntityTooLargeException',
      status: 413,
      message: 'Request must be smaller than 100 bytes',
    });
    const charset = Object.assign(new Error('unsupported charset "X"'), {
      type: 'charset.unsupported',
    });
    expect(toLambdaError(charset).name).toBe('UnsupportedMediaTypeException');
    expect(toLambdaError('a string').name).toBe('ServiceException');
  });
});

describe('errorMiddleware', () => {
  it("sends Lambda's error shape with the error's headers", async () => {
    const res = await request(
      appThrowing(new TooManyRequestsException('CallerRateLimitExceeded', 7)),
    )
      .get('/x')
      .set('x-amzn-RequestId', 'abc')
      .expect(429);
    expect(res.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(res.headers['x-amzn-requestid']).toBe('abc');
    expect(res.headers['retry-after']).toBe('7');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toEqual({
      Type: 'User',
      Reason: 'CallerRateLimitExceeded',
      message: 'Rate exceeded',
    });
  });

  it('hides and logs unknown errors as ServiceException', async () => {
    const { lines, logger } = capture();
    const res = await request(appThrowing(new Error('db password is hunter2'), logger))
      .get('/x')
      .set('x-amzn-RequestId', 'req-9')
      .expect(500);
    expect(res.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(res.text).not.toContain('hunter2');
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, requestId: 'req-9', msg: 'request failed' });
  });

  it('never logs invocation payloads', async () => {
    const { lines, logger } = capture();
    const { app, functions, pool } = fakeApp({ logger });
    functions.records.set('hello', record('hello'));
    pool.handler = () => {
      throw new Error('pool broke');
    };
    await request(app)
      .post('/2015-03-31/functions/hello/invocations')
      .send('{"secret":"s3cr3t-payload"}')
      .expect(500);
    await request(app)
      .post('/2015-03-31/functions/hello/invocations')
      .send('{"secret": s3cr3t-payload}')
      .expect(400);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain('s3cr3t-payload');
    expect(JSON.parse(lines[0]!)).toMatchObject({ function: 'hello' });
  });
});

import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessPool } from './process-pool.js';
import {
  fixturesDir,
  makeFn,
  makeInvocation,
  parse,
  quietLogger,
} from './test-support/fixtures.js';

const hasCurl = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].some((p) => existsSync(p));

// A `provided.*` runtime: the function's own ./bootstrap (here a shell script using curl) speaks
// the Runtime API with plain one-shot HTTP requests.
describe.skipIf(!hasCurl)('a custom runtime over the Runtime API', { timeout: 20_000 }, () => {
  const pool = new ProcessPool({
    logger: quietLogger,
    runtimes: { 'provided.al2023': { command: ['./bootstrap'] } },
  });
  const fn = makeFn({
    runtime: 'provided.al2023',
    handler: 'function.handler',
    codeDir: path.join(fixturesDir, 'custom'),
  });

  afterAll(async () => {
    await pool.close();
  });

  it('answers invocations, warm, through ordinary HTTP clients', async () => {
    const first = await pool.invoke(fn, makeInvocation({ n: 1 }, { tailLog: true }));
    const second = await pool.invoke(fn, makeInvocation({ n: 2 }));
    expect(parse(first.payload)).toEqual({ echo: { n: 1 }, handler: 'function.handler' });
    expect(first.log).toMatch(/\nhandling \S+\nEND RequestId: /);
    expect(second.coldStart).toBe(false);
    expect(parse(second.payload)).toEqual({ echo: { n: 2 }, handler: 'function.handler' });
  });

  it('passes the error body and type through unchanged', async () => {
    const r = await pool.invoke(fn, makeInvocation({ fail: true }));
    expect(r.functionError).toBe('Unhandled');
    expect(r.errorType).toBe('Custom.Failure');
    expect(r.payload.toString()).toBe(
      '{"errorMessage":"asked to fail","errorType":"Custom.Failure"}',
    );
  });
});

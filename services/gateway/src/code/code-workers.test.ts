import { afterEach, describe, expect, it } from 'vitest';

import { leaseCodeWorker } from './code-workers.js';
import { decodePool } from './decode-pool.js';
import type { DecodeBodyJob, DecodedBody } from './unzip-worker.js';

const job = (text: string): DecodeBodyJob => ({
  lamina: 'decode-body',
  body: new Uint8Array(Buffer.from(text)),
  zipPath: ['ZipFile'],
});

afterEach(() => {
  decodePool.configure({ size: 1, queue: 8 });
});

describe('code workers', () => {
  it('a worker that answered cleanly does the next job; a killed one is replaced', async () => {
    decodePool.configure({ size: 1, queue: 8 });
    const first = await leaseCodeWorker();
    first.post(job('{"ZipFile":"UEsFBg=="}'));
    const a = await first.answer<DecodedBody>(30_000, 'decoding');
    expect(a.kind).toBe('ok');
    first.done();
    first.done(); // once only
    expect(decodePool.stats().running).toBe(0);

    const second = await leaseCodeWorker();
    expect(second.threadId).toBe(first.threadId);
    // A streamed body: the job, its chunks, then null.
    second.post({ lamina: 'decode-body', zipPath: ['ZipFile'] });
    second.post(new Uint8Array(Buffer.from('{"ZipFile":')));
    second.post(new Uint8Array(Buffer.from('"not base64!"}')));
    second.post(null);
    const b = await second.answer<DecodedBody>(30_000, 'decoding');
    expect(b).toEqual({ kind: 'ok', value: { ZipFile: 'not base64!' } });
    await second.kill();

    const third = await leaseCodeWorker();
    expect(third.threadId).not.toBe(first.threadId);
    third.post(job('{"ZipFile": nope'));
    expect((await third.answer<DecodedBody>(30_000, 'decoding')).kind).toBe('bad-json');
    third.done();
  }, 60_000);

  it('a job that does not answer in time is refused and its worker ended', async () => {
    const lease = await leaseCodeWorker();
    lease.post({ lamina: 'decode-body', zipPath: ['ZipFile'] }); // a streamed body never ended
    await expect(lease.answer(50, 'decoding the upload')).rejects.toThrow(
      'decoding the upload did not finish within 50 ms',
    );
    await lease.kill();
    expect(decodePool.stats().running).toBe(0);
  }, 60_000);
});

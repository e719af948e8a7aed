/**
 * A big code upload's body decoded off the event loop: the raw bytes go to a worker thread
 * (unzip-worker.ts, job `decode-body`), which parses the JSON and decodes the base64 ZipFile at
 * `zipPath`; the parsed body comes back with the zip as a Buffer in its place. A 12 MB
 * CreateFunction body otherwise holds the gateway's event loop for a third of a second
 * (bench/hostile-zip), delaying every other call.
 *
 * Invariants: the answer is the same as parsing on the event loop — the same JSON errors (as
 * InvalidRequestContentException, from http/body.ts), and a ZipFile that is not base64 left as
 * the string it was for the route to refuse; the worker is ended when the call ends, or after
 * DECODE_TIMEOUT_MS of decoding; every decode runs in a code worker leased inside a slot of the
 * process's decode pool (code-workers.ts, decode-pool.ts), so only a bounded number run at once; a streamed body is only collected
 * until `end`, and decoded only then (a signed gateway first checks the body's hash).
 */
import { type CodeWorkerLease, leaseCodeWorker } from './code-workers.js';
import type { DecodeBodyJob, DecodedBody } from './unzip-worker.js';

/** Where the upload operations' base64 zip is (their body readers, and a signed gateway's guard). */
export const CREATE_FUNCTION_ZIP_PATH: readonly string[] = ['Code', 'ZipFile'];
export const UPDATE_CODE_ZIP_PATH: readonly string[] = ['ZipFile'];
export const LAYER_ZIP_PATH: readonly string[] = ['Content', 'ZipFile'];

/** The zip path of the upload operation `method path` names, if it is one (routes/*.ts). */
export function uploadZipPath(method: string, path: string): readonly string[] | undefined {
  if (method === 'POST' && /^\/2015-03-31\/functions\/?$/.test(path)) {
    return CREATE_FUNCTION_ZIP_PATH;
  }
  if (method === 'PUT' && /^\/2015-03-31\/functions\/[^/]+\/code\/?$/.test(path)) {
    return UPDATE_CODE_ZIP_PATH;
  }
  if (method === 'POST' && /^\/2018-10-31\/layers\/[^/]+\/versions\/?$/.test(path)) {
    return LAYER_ZIP_PATH;
  }
  return undefined;
}

/** Bodies at least this big are decoded in a worker (starting one costs more than small ones). */
export const DECODE_OFF_LOOP_BYTES = 1024 * 1024;

/** The decoded body: the parsed value, and the zip taken out of it as a Buffer. */
export type DecodedUpload =
  | { readonly kind: 'ok'; readonly value: unknown; readonly zip?: Buffer }
  | Extract<DecodedBody, { kind: 'bad-json' }>;

/**
 * `body` is moved into the worker, not copied, when it owns its whole memory (a big body read by
 * http/body.ts always does: copying 12 MB held the event loop ~8 ms per upload under load); it is
 * then empty here afterwards, so the caller must not read it again. A view of a larger buffer is
 * copied first.
 */
export async function decodeUploadOffLoop(
  body: Buffer,
  zipPath: readonly string[],
): Promise<DecodedUpload> {
  const owns =
    body.byteOffset === 0 &&
    body.byteLength === body.buffer.byteLength &&
    body.buffer instanceof ArrayBuffer;
  const bytes = owns ? new Uint8Array(body.buffer) : new Uint8Array(body);
  const lease = await leaseCodeWorker();
  const job: DecodeBodyJob = { lamina: 'decode-body', body: bytes, zipPath };
  lease.post(job, [bytes.buffer]);
  return asUpload(await lease.result<DecodedBody>(DECODE_TIMEOUT_MS, 'decoding the upload'));
}

/** A decode that has not answered after this long is ended (its worker terminated). */
export const DECODE_TIMEOUT_MS = 60_000;

const SINK_BATCH_BYTES = 1024 * 1024;

/** A decode worker the body is streamed into, chunk by chunk, as it arrives. */
export interface DecodeSink {
  /** Copies one chunk to the worker (collected there, not decoded yet). */
  write(chunk: Buffer): void;
  /** The body is complete (and checked): its decoded value. */
  end(): Promise<DecodedUpload>;
  /** The call ended early (too large, cut off, refused): the worker is ended, nothing decoded. */
  abort(): Promise<void>;
}

/**
 * Starts a decode worker for one streamed upload, once the decode pool has a slot for it (until
 * then nothing is read: the body waits in the client's socket; TooManyRequestsException when the
 * pool's queue is full). bench/hostile-zip: gathering a 12 MB body on the event loop — the
 * chunks, one 12 MB concatenation and the collections they cause — held it for tens of
 * milliseconds per upload. Chunks are passed on in batches of about 1 MiB and dropped here at once.
 */
export async function decodeSink(
  zipPath: readonly string[],
  signal?: AbortSignal,
): Promise<DecodeSink> {
  const lease = await leaseCodeWorker(signal);
  try {
    return startSink(zipPath, lease);
  } catch (err) {
    await lease.kill();
    throw err;
  }
}

function startSink(zipPath: readonly string[], lease: CodeWorkerLease): DecodeSink {
  const job: DecodeBodyJob = { lamina: 'decode-body', zipPath };
  lease.post(job);
  // Chunks go in batches of about 1 MiB, each a fresh buffer moved (not cloned) to the worker:
  // a dozen messages for 12 MB instead of ~180 copied ones.
  let batch: Buffer[] = [];
  let batched = 0;
  const flush = (): void => {
    if (batched === 0) return;
    const bytes = Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    lease.post(view, owns ? [bytes.buffer] : []);
  };
  return {
    write: (chunk) => {
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= SINK_BATCH_BYTES) flush();
    },
    end: async () => {
      flush();
      lease.post(null);
      return asUpload(await lease.result<DecodedBody>(DECODE_TIMEOUT_MS, 'decoding the upload'));
    },
    abort: () => lease.kill(),
  };
}

function asUpload(decoded: DecodedBody): DecodedUpload {
  if (decoded.kind !== 'ok') return decoded;
  const { value, zip } = decoded;
  return zip === undefined
    ? { kind: 'ok', value }
    : { kind: 'ok', value, zip: Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength) };
}

/** Puts `zip` back into `value` at `zipPath` (the decoded body, ready for the route). */
export function withZip(value: unknown, zipPath: readonly string[], zip: Buffer): unknown {
  let holder: unknown = value;
  for (const key of zipPath.slice(0, -1))
    holder =
      typeof holder === 'object' && holder !== null
        ? (holder as Record<string, unknown>)[key]
        : undefined;
  const last = zipPath[zipPath.length - 1];
  if (typeof holder === 'object' && holder !== null && last !== undefined)
    (holder as Record<string, unknown>)[last] = zip;
  return value;
}

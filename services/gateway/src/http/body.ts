import type { IncomingMessage } from 'node:http';

import { LaminaError, LIMITS } from '@lamina/core';
import express, { type Request, type RequestHandler, type Response } from 'express';

import {
  DECODE_OFF_LOOP_BYTES,
  type DecodedUpload,
  type DecodeSink,
  decodeSink,
  decodeUploadOffLoop,
  withZip,
} from '../code/upload-decode.js';
import { matchedOperation, validateMatched } from './model-validation.js';

/** Lambda's wording; `limit` is the first size that is refused. */
export function tooLarge(limit: number, operation: string): LaminaError {
  return new LaminaError(
    'RequestEntityTooLargeException',
    `Request must be smaller than ${limit} bytes for the ${operation} operation`,
  );
}

export function unparsable(cause: unknown): LaminaError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new LaminaError(
    'InvalidRequestContentException',
    `Could not parse request body into json: ${detail}`,
    {
      cause,
    },
  );
}

const EMPTY = Buffer.alloc(0);

/**
 * Bodies a guard already read (SigV4 needs the body's hash before any route runs): the readers
 * below serve them instead of the drained stream.
 */
const preread = new WeakMap<IncomingMessage, Buffer>();

/** Records the body a guard read from `req`, for the route's own reader. */
export function setPrereadBody(req: IncomingMessage, body: Buffer): void {
  preread.set(req, body);
}

/**
 * Big code uploads a guard already decoded off the event loop (a signed CreateFunction: the guard
 * needs its FunctionName): the body reader serves the decoded value instead of decoding again.
 */
const predecoded = new WeakMap<IncomingMessage, { decoded: DecodedUpload; size: number }>();

/** Records a body of `size` bytes decoded with the route's zip path (streamedUpload), for the route. */
export function setPredecodedBody(
  req: IncomingMessage,
  decoded: DecodedUpload,
  size: number,
): void {
  predecoded.set(req, { decoded, size });
}

/**
 * Reads a request body as bytes, refusing (with 413) a body of `limit` bytes or more: from
 * Content-Length before reading when it is given, else as the bytes arrive. `onChunk` sees each
 * chunk as it arrives (a guard hashes the body that way: no 12 MB hash in one go on the loop).
 */
export function readRawBody(
  req: IncomingMessage,
  limit: number,
  operation: string,
  onChunk?: (chunk: Buffer) => void,
  /** false: only count and pass the chunks on (onChunk), resolving with an empty buffer. */
  keep = true,
): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) >= limit) {
    return Promise.reject(tooLarge(limit, operation));
  }
  const known = preread.get(req);
  if (known !== undefined) {
    return known.length >= limit
      ? Promise.reject(tooLarge(limit, operation))
      : Promise.resolve(known);
  }
  if (declared === '0') return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      // Let node:http discard the rest of the body.
      req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size >= limit) {
        fail(tooLarge(limit, operation));
        return;
      }
      onChunk?.(chunk);
      if (!keep) return;
      if (first === undefined) {
        first = chunk;
      } else {
        (chunks ??= [first]).push(chunk);
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks !== undefined ? Buffer.concat(chunks, size) : (first ?? EMPTY));
    });
    req.once('error', fail);
    req.once('close', () => {
      if (!req.complete)
        fail(new LaminaError('InvalidRequestContentException', 'The request body was cut off.'));
    });
  });
}

interface BodyParserError {
  type?: unknown;
  message?: unknown;
}

/** A pre-read body parsed as express.json would (strict: an object or an array). */
function parsedPreread(
  req: IncomingMessage & { body?: unknown },
  body: Buffer,
  limit: number,
  operation: string,
): LaminaError | undefined {
  if (body.length >= limit) return tooLarge(limit, operation);
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  const first = /^[\s\uFEFF]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') {
    return unparsable(new SyntaxError(`Unexpected token ${first ?? 'end'} in JSON at position 0`));
  }
  try {
    req.body = JSON.parse(text) as unknown;
    return undefined;
  } catch (err) {
    return unparsable(err);
  }
}

/**
 * `express.json` for one management operation: any content type, bodies of `limit` bytes or
 * more refused with the operation's 413 message, bad JSON with InvalidRequestContentException,
 * then the whole request checked against the service model (model-validation.ts).
 */
export function jsonBody(
  operation: string,
  limit: number,
  /** Where a code upload's base64 zip is: big bodies are then decoded off the event loop. */
  zipPath?: readonly string[],
): RequestHandler {
  const parse: RequestHandler = express.json({ limit: limit - 1, type: () => true, strict: true });
  return (req, res, next) => {
    // Refuse at once; body-parser would first read (and discard) the whole body.
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) >= limit) {
      next(tooLarge(limit, operation));
      return;
    }
    const ready = predecoded.get(req);
    if (zipPath !== undefined && ready !== undefined) {
      if (ready.size >= limit) {
        next(tooLarge(limit, operation));
        return;
      }
      try {
        applyDecoded(req, res, ready.decoded, zipPath);
        next();
      } catch (err) {
        next(err);
      }
      return;
    }
    const known = preread.get(req);
    const size = known?.length ?? Number(declared ?? 0);
    if (zipPath !== undefined && size >= DECODE_OFF_LOOP_BYTES) {
      void decodedOffLoop(req, res, { operation, limit, zipPath }).then(next, next);
      return;
    }
    if (known !== undefined) {
      next(parsedPreread(req, known, limit, operation));
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (err === undefined || err === null) {
        const match = matchedOperation(res);
        try {
          if (match !== undefined) validateMatched(req, match, req.body as unknown);
          next();
        } catch (invalid) {
          next(invalid);
        }
        return;
      }
      const type = (err as BodyParserError).type;
      if (type === 'entity.too.large') next(tooLarge(limit, operation));
      else if (type === 'entity.parse.failed') next(unparsable(err));
      else next(err);
    });
  };
}

/** A big code upload: read, then parsed and its zip decoded in a worker (upload-decode.ts). */
async function decodedOffLoop(
  req: Request,
  res: Response,
  o: { operation: string; limit: number; zipPath: readonly string[] },
): Promise<undefined> {
  const decoded = preread.has(req)
    ? await decodeUploadOffLoop(await readRawBody(req, o.limit, o.operation), o.zipPath)
    : (await streamedUpload(req, o.limit, o.operation, o.zipPath)).decoded;
  applyDecoded(req, res, decoded, o.zipPath);
  return undefined;
}

/** What a guard does along a streamed upload (auth-middleware.ts). */
export interface UploadChecks {
  /** Sees each chunk as it arrives (a signed gateway hashes them). */
  readonly onChunk?: (chunk: Buffer) => void;
  /** The whole body arrived; throwing refuses it before anything is decoded (a hash mismatch). */
  readonly beforeDecode?: () => void;
}

/**
 * Reads an upload's body straight into a decode worker (upload-decode.ts decodeSink): the event
 * loop never gathers it. The worker is taken from the decode pool before a byte is read (the
 * body waits in the client's socket meanwhile; TooManyRequestsException when the pool's queue is
 * full, the body unread), and decodes only after `beforeDecode` passed.
 */
export async function streamedUpload(
  req: IncomingMessage,
  limit: number,
  operation: string,
  zipPath: readonly string[],
  checks: UploadChecks = {},
): Promise<{ decoded: DecodedUpload; size: number }> {
  const gone = new AbortController();
  const onClose = (): void => {
    gone.abort(new LaminaError('InvalidRequestContentException', 'The request body was cut off.'));
  };
  req.once('close', onClose);
  let sink: DecodeSink;
  try {
    sink = await decodeSink(zipPath, gone.signal);
  } finally {
    req.removeListener('close', onClose);
  }
  let size = 0;
  try {
    await readRawBody(
      req,
      limit,
      operation,
      (chunk) => {
        size += chunk.length;
        checks.onChunk?.(chunk);
        sink.write(chunk);
      },
      false,
    );
    checks.beforeDecode?.();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return { decoded: await sink.end(), size };
}

/** A decoded upload as the route's body (the zip back in its place), validated. */
function applyDecoded(
  req: Request,
  res: Response,
  decoded: DecodedUpload,
  zipPath: readonly string[],
): void {
  if (decoded.kind === 'bad-json') throw unparsable(new SyntaxError(decoded.message));
  req.body =
    decoded.zip === undefined ? decoded.value : withZip(decoded.value, zipPath, decoded.zip);
  const match = matchedOperation(res);
  if (match !== undefined) validateMatched(req, match, req.body);
}

/**
 * A request refused before (or while) its body was read: the rest of the body is read and
 * dropped — never kept, hashed or decoded — up to the biggest body any operation takes
 * (CreateFunction's limit); past that the connection is closed, once the answer is written.
 * Closing earlier would cut clients off while they still send: the SDK v3 (Node.js) then raises
 * an unhandled `write ECONNRESET` after it got its 403, and the client sends the whole body
 * anyway. A slow sender is ended by the server's request timeout (request-limits.ts).
 */
export function discardBounded(
  req: IncomingMessage,
  res: Response,
  limit: number = LIMITS.createFunctionRequestMaxBytes,
): void {
  if (req.complete) return;
  let read = 0;
  const onData = (chunk: Buffer): void => {
    read += chunk.length;
    if (read < limit) return;
    req.removeListener('data', onData);
    req.pause();
    if (res.writableFinished) req.socket.destroy();
    else res.once('finish', () => req.socket.destroy());
  };
  req.on('data', onData);
  req.resume();
}

import type { IncomingMessage } from 'node:http';

import { LaminaError } from '@lamina/core';
import express, { type RequestHandler } from 'express';

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
 * Reads a request body as bytes, refusing (with 413) a body of `limit` bytes or more: from
 * Content-Length before reading when it is given, else as the bytes arrive.
 */
export function readRawBody(
  req: IncomingMessage,
  limit: number,
  operation: string,
): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) >= limit) {
    return Promise.reject(tooLarge(limit, operation));
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
      } else if (first === undefined) {
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

/**
 * `express.json` for one management operation: any content type, bodies of `limit` bytes or
 * more refused with the operation's 413 message, bad JSON with InvalidRequestContentException,
 * then the whole request checked against the service model (model-validation.ts).
 */
export function jsonBody(operation: string, limit: number): RequestHandler {
  const parse: RequestHandler = express.json({ limit: limit - 1, type: () => true, strict: true });
  return (req, res, next) => {
    // Refuse at once; body-parser would first read (and discard) the whole body.
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) >= limit) {
      next(tooLarge(limit, operation));
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

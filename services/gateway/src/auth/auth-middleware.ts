/**
 * The express side of the request guard (issue #18): runs the guard's header step, then reads the
 * body when the guard needs its hash (a signed gateway), finishes the guard, keeps the identity on
 * the response for later use, and writes the audit line of every management call once it is
 * answered.
 *
 * Invariants: no route runs before the guard has passed; a caller the headers refuse (unsigned,
 * unknown key, expired, a wrong signature over a declared payload hash) is answered before the
 * body is read, and only a bounded part of it is ever read (http/body.ts discardBounded); a big
 * upload is decoded only after its hash matched; a body read here is handed to the
 * route's own reader (http/body.ts), never read twice; probes, metrics and code downloads pass
 * untouched; the audit line's result is the error name the caller got (X-Amzn-ErrorType), or
 * `Success`.
 */
import { createHash } from 'node:crypto';

import { LIMITS } from '@lamina/core';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

import { DECODE_OFF_LOOP_BYTES, uploadZipPath } from '../code/upload-decode.js';
import {
  discardBounded,
  readRawBody,
  setPredecodedBody,
  setPrereadBody,
  streamedUpload,
} from '../http/body.js';
import { requestContext } from '../http/request-context.js';
import type { Clock } from '../deps.js';
import type { AuditLog } from './audit-log.js';
import { isUnsigned } from './operations.js';
import type { GuardStep, Identity, RequestGuard } from './request-guard.js';

export interface AuthMiddlewareOptions {
  readonly guard: RequestGuard;
  /** Whether the guard needs the body (SigV4 hashes it); false on an open gateway. */
  readonly needsBody: boolean;
  readonly audit: Pick<AuditLog, 'record'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

const IDENTITY = 'laminaIdentity';

/** The identity the guard admitted for this request, if it ran. */
export function identityOf(res: Response): Identity | undefined {
  return res.locals[IDENTITY] as Identity | undefined;
}

const hasBody = (headers: Record<string, unknown>): boolean =>
  headers['transfer-encoding'] !== undefined ||
  (headers['content-length'] !== undefined && headers['content-length'] !== '0');

export function authMiddleware(o: AuthMiddlewareOptions): RequestHandler {
  return (req, res, next) => {
    if (isUnsigned(req.path)) {
      next();
      return;
    }
    const ctx = requestContext(res, o.logger);
    const refuse = (err: unknown): void => {
      // Refused before (or while) the body was read: read no more of it than a bounded bit.
      discardBounded(req, res);
      next(err);
    };
    let step: GuardStep;
    try {
      // From the headers alone: a caller without a key is refused before a byte of the body.
      step = o.guard.begin({
        method: req.method,
        url: req.originalUrl,
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress ?? '',
        requestId: ctx.requestId,
        secure: req.secure,
      });
    } catch (err) {
      refuse(err);
      return;
    }
    const run = async (): Promise<void> => {
      let body: Buffer | undefined;
      let bodyHash: string | undefined;
      let json: unknown;
      if (o.needsBody && hasBody(req.headers)) {
        // Hashed chunk by chunk as it arrives: never 12 MB in one go on the event loop.
        const hash = createHash('sha256');
        const zipPath = uploadZipPath(req.method, req.path);
        const limit = LIMITS.createFunctionRequestMaxBytes;
        if (
          zipPath !== undefined &&
          Number(req.headers['content-length']) >= DECODE_OFF_LOOP_BYTES
        ) {
          // A big upload goes straight into a pooled decode worker, for the guard
          // (CreateFunction's FunctionName names the resource) and the route alike: never
          // gathered on the loop, and decoded only once its hash is the one signed.
          const { decoded, size } = await streamedUpload(req, limit, 'this', zipPath, {
            onChunk: (c) => hash.update(c),
            beforeDecode: () => {
              bodyHash = hash.digest('hex');
              step.checkBodyHash(bodyHash);
            },
          });
          setPredecodedBody(req, decoded, size);
          if (decoded.kind === 'ok') json = decoded.value;
        } else {
          body = await readRawBody(req, limit, 'this', (c) => hash.update(c));
          setPrereadBody(req, body);
          bodyHash = hash.digest('hex');
        }
      }
      const identity = await step.finish({
        ...(body === undefined ? {} : { body }),
        ...(bodyHash === undefined ? {} : { bodyHash }),
        ...(json === undefined ? {} : { json }),
      });
      res.locals[IDENTITY] = identity;
      const op = identity.operation;
      if (op?.management === true) {
        res.once('finish', () => {
          const type = res.getHeader('x-amzn-errortype');
          o.audit.record({
            time: new Date(o.clock.now()).toISOString(),
            ...(identity.accessKeyId === undefined ? {} : { accessKeyId: identity.accessKeyId }),
            ...(identity.arn === undefined ? {} : { principal: identity.arn }),
            operation: op.name,
            resource: op.resource,
            result: typeof type === 'string' ? type : res.statusCode < 400 ? 'Success' : 'Error',
            status: res.statusCode,
            requestId: ctx.requestId,
            sourceAddress: req.socket.remoteAddress ?? '',
          });
        });
      }
    };
    run().then(() => {
      next();
    }, refuse);
  };
}

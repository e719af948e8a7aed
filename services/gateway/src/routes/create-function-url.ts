/**
 * CreateFunctionUrlConfig: POST /2021-10-31/functions/{name}/url?Qualifier=. Answers 201 with
 * the new URL, callable at once (local mode binds its port before answering); a second URL for
 * the same qualifier is ResourceConflictException.
 */
import { randomBytes } from 'node:crypto';

import {
  type FunctionUrlRecord,
  functionUrlExists,
  functionUrlTimestamp,
  parseFunctionUrlFields,
  toFunctionUrlConfig,
} from '@lamina/core';
import type { Request, Response } from 'express';

import { type FunctionUrlRouteDeps, urlTarget } from './function-url-target.js';
import { bodyOf } from './request-fields.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 32 lowercase letters and digits, as AWS's url ids. */
export function newUrlId(): string {
  return [...randomBytes(32)].map((b) => ALPHABET[b % ALPHABET.length] ?? 'a').join('');
}

export async function createFunctionUrl(
  deps: FunctionUrlRouteDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const { functionName, qualifier } = urlTarget(req, res, deps);
  const fields = parseFunctionUrlFields(bodyOf(req), 'create');
  if ((await deps.store.get(functionName, qualifier)) !== undefined) {
    throw functionUrlExists(deps.config, functionName, qualifier);
  }
  let urlId = newUrlId();
  while ((await deps.store.byId(urlId)) !== undefined) urlId = newUrlId();
  const now = functionUrlTimestamp(deps.clock.now());
  const draft: FunctionUrlRecord = {
    urlId,
    functionName,
    ...(qualifier === undefined ? {} : { qualifier }),
    authType: fields.authType ?? 'NONE',
    ...(fields.cors === undefined ? {} : { cors: fields.cors }),
    invokeMode: fields.invokeMode ?? 'BUFFERED',
    creationTime: now,
    lastModifiedTime: now,
  };
  const record = await deps.endpoints.open(draft);
  try {
    await deps.store.put(record);
  } catch (err) {
    await deps.endpoints.close(record);
    throw err;
  }
  res
    .status(201)
    .json(
      toFunctionUrlConfig(record, deps.endpoints.urlOf(record), deps.config, { created: true }),
    );
}

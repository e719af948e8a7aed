/**
 * The invoke fast path: `POST /2015-03-31/functions/<name>/invocations` (RequestResponse) served
 * straight from node:http, in front of express, without the router, middleware chain or express'
 * request/response decorations per call. It runs exactly what express would for that request —
 * the request context, the request guards (`http/request-guards.ts`), Invoke's service-model
 * check (`http/model-validation.ts`), then `invokeTarget` of `routes/invoke.ts` — and answers errors through the one error writer (`writeError`).
 *
 * Invariants: it takes a request only when it is sure express would route it to the invoke
 * handler — method POST, the canonical path with one name segment that decodes, at most a
 * `Qualifier` query, invocation type RequestResponse (or none) or Event, not a function URL's
 * Host — and then it owns the whole answer. An Event runs the same checks, then express'
 * `queueEvent` (202 only once Redis took the event; ADR 0048). Anything else (DryRun, an
 * unknown type, a malformed or unusual path, another operation) returns false before anything
 * is read, and express serves it: one behaviour, two entries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';

import {
  AccessDeniedException,
  type ArnContext,
  assertModelValid,
  functionArn,
  type FunctionRef,
  functionRefIn,
  INVOKE_HEADERS,
  parseFunctionRef,
} from '@lamina/core';

import { writeError } from '../http/errors.js';
import { attachRequestContext, type RequestContext } from '../http/request-context.js';
import { type RequestGuard, runGuards } from '../http/request-guards.js';
import type { InvokeTarget } from '../invoke-targets.js';
import { type InvokeDeps, invokeTarget, queueEvent, resolveTarget } from './invoke.js';

export interface InvokeFastPathDeps extends InvokeDeps {
  readonly guards: readonly RequestGuard[];
  /** False for a request express routes elsewhere first (a function URL addressed by Host). */
  readonly isApiRequest: (req: IncomingMessage) => boolean;
}

const PREFIX = '/2015-03-31/functions/';
const SUFFIX = '/invocations';

/** `name` and `Qualifier` of a canonical sync invoke URL; undefined when express should decide. */
function parseInvokeUrl(url: string): { name: string; qualifier: string | undefined } | undefined {
  if (!url.startsWith(PREFIX)) return undefined;
  const q = url.indexOf('?');
  const pathEnd = q < 0 ? url.length : q;
  if (!url.endsWith(SUFFIX, pathEnd)) return undefined;
  const raw = url.slice(PREFIX.length, pathEnd - SUFFIX.length);
  if (raw === '' || raw.includes('/')) return undefined;
  let name: string;
  try {
    name = raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    return undefined; // express answers the malformed path
  }
  if (q < 0) return { name, qualifier: undefined };
  // express' "simple" query parser is node:querystring; only a lone Qualifier is ours.
  const query = parseQuery(url.slice(q + 1));
  const keys = Object.keys(query);
  if (keys.some((k) => k !== 'Qualifier')) return undefined;
  const qualifier = query['Qualifier'];
  return { name, qualifier: typeof qualifier === 'string' ? qualifier : undefined };
}

function isRequestResponse(req: IncomingMessage): boolean {
  const type = req.headers[INVOKE_HEADERS.invocationType];
  return type === undefined || type === '' || type === 'RequestResponse';
}

function isEvent(req: IncomingMessage): boolean {
  return req.headers[INVOKE_HEADERS.invocationType] === 'Event';
}

/** Answers an error of the fast path; a response already begun can only be cut. */
function fail(res: ServerResponse, err: unknown, ctx: RequestContext): void {
  if (!writeError(res, err, ctx)) res.destroy();
}

/**
 * Another account's function, as express's auth guard refuses it (the open gateway's caller is
 * the account's root): AWS's 403, not a not-found.
 */
function assertSameAccount(ctx: ArnContext, name: string, qualifier: string | undefined): void {
  if (!name.includes(':')) return; // a bare name (the common call) names no account
  let ref: FunctionRef;
  try {
    ref = parseFunctionRef(name, qualifier);
  } catch {
    return; // functionRefIn answers the malformed name.
  }
  const account = ref.accountId;
  if (account === undefined || account === ctx.accountId) return;
  const resource = functionArn({ region: ctx.region, accountId: account }, ref.name, ref.qualifier);
  throw new AccessDeniedException(
    `User: arn:aws:iam::${ctx.accountId}:root is not authorized to perform: lambda:InvokeFunction on resource: ${resource} because no resource-based policy allows the lambda:InvokeFunction action`,
  );
}

interface InvokeUrl {
  readonly name: string;
  readonly qualifier: string | undefined;
}

/** The checks express runs before its invoke handler, then the target (both types alike). */
function checkedTarget(
  deps: InvokeFastPathDeps,
  req: IncomingMessage,
  ctx: RequestContext,
  url: InvokeUrl,
): { ref: FunctionRef; target: InvokeTarget | Promise<InvokeTarget> } {
  // The checks express runs first (http/model-validation.ts): Invoke's URI, query and headers.
  assertModelValid('Invoke', {
    uri: { FunctionName: url.name },
    query: (name) => (name === 'Qualifier' ? url.qualifier : undefined),
    header: (name) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : undefined;
    },
  });
  assertSameAccount(deps.config, url.name, url.qualifier);
  const ref = functionRefIn(deps.config, url.name, url.qualifier);
  return { ref, target: resolveTarget(deps, ctx, ref) };
}

/** Resolves and runs the call once the guards have passed. */
async function invokeNamed(
  deps: InvokeFastPathDeps,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  url: InvokeUrl,
): Promise<void> {
  const { ref, target } = checkedTarget(deps, req, ctx, url);
  return invokeTarget(deps, req, res, ctx, ref.name, await target, false);
}

/** An Event once the guards have passed: express' checks and order, then the durable 202. */
async function queueNamed(
  deps: InvokeFastPathDeps,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  url: InvokeUrl,
): Promise<void> {
  const { ref, target } = checkedTarget(deps, req, ctx, url);
  await target; // a function that cannot be invoked is refused before the body is read
  return queueEvent(deps, req, res, ctx, ref);
}

/**
 * The fast path as a request listener's first step: true when it took the request (and will
 * answer it), false when express should serve it.
 */
export function invokeFastPath(
  deps: InvokeFastPathDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const serve = isRequestResponse(req) ? invokeNamed : isEvent(req) ? queueNamed : undefined;
    if (serve === undefined) return false;
    const parsed = parseInvokeUrl(req.url ?? '');
    if (parsed === undefined || !deps.isApiRequest(req)) return false;
    const ctx = attachRequestContext(req, res, deps.logger);
    try {
      const guarded = runGuards(deps.guards, req);
      const run =
        guarded === undefined
          ? serve(deps, req, res, ctx, parsed)
          : guarded.then(() => serve(deps, req, res, ctx, parsed));
      run.catch((err: unknown) => {
        fail(res, err, ctx);
      });
    } catch (err) {
      fail(res, err, ctx);
    }
    return true;
  };
}

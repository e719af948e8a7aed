import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { LIMITS, type Invocation } from '@lamina/core';
import { header, readBody, reply } from './http-helpers.js';
import {
  ACCEPTED,
  EMPTY,
  INVALID_ID,
  INVALID_STATE,
  INVALID_UPGRADE,
  TRUNCATED,
  json,
} from './runtime-api-answers.js';
import * as modes from './response-mode.js';
import { routeOf } from './runtime-api-routes.js';
import {
  answerHead,
  UPGRADE_TOKEN,
  UpgradedConnection,
  type UpgradedRequest,
} from './runtime-api-upgrade.js';
import { SpecializationChannel, type SpecializationEvents } from './specialization-channel.js';

const MODE_HEADER = 'lambda-runtime-function-response-mode';

/** How the runtime answered one invocation. */
export type RuntimeOutcome =
  | {
      readonly kind: 'response';
      readonly payload: Buffer;
      readonly contentType: string | undefined;
    }
  | { readonly kind: 'error'; readonly payload: Buffer; readonly errorType: string | undefined }
  /** The response exceeded the limit; `size` is its length in bytes. */
  | { readonly kind: 'too-large'; readonly size: number };

export type OutcomeCallback = (outcome: RuntimeOutcome) => void;

/** What the server tells its environment outside of an invocation. */
export interface RuntimeApiEvents {
  /** The runtime called `/next` for the first time: init is over. */
  onInitDone(): void;
  /** The runtime POSTed `/init/error` (it exits next). */
  onInitError(errorType: string | undefined, body: Buffer): void;
}

export interface RuntimeApiServerOptions {
  readonly events: RuntimeApiEvents;
  /** Defaults to Lambda's 6,291,556 bytes. */
  readonly maxResponseBytes?: number;
  /** A generic environment's server: it serves Lamina's specialization request (ADR 0019). */
  readonly specialization?: SpecializationEvents;
}

interface Slot {
  readonly invocation: Invocation;
  readonly deadlineMs: number;
  readonly traceId: string;
  readonly onSent: () => void;
  readonly done: OutcomeCallback;
}

/** Where an answer goes: a node:http response, or an upgraded connection (ADR 0044). */
type Target = http.ServerResponse | UpgradedConnection;

function answerTo(target: Target, status: number, body: Buffer): void {
  if (target instanceof UpgradedConnection) target.reply(status, body);
  else reply(target, status, body);
}

/** An invocation's headers for the runtime, as name, value pairs (Content-Length aside). */
function invocationHeaders(slot: Slot): string[] {
  const inv = slot.invocation;
  const headers: string[] = [
    'Content-Type',
    'application/json',
    'Lambda-Runtime-Aws-Request-Id',
    inv.requestId,
    'Lambda-Runtime-Deadline-Ms',
    String(slot.deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn',
    inv.invokedFunctionArn,
    'Lambda-Runtime-Trace-Id',
    slot.traceId,
  ];
  if (inv.clientContext !== undefined && inv.clientContext !== '') {
    headers.push('Lambda-Runtime-Client-Context', inv.clientContext);
  }
  if (inv.cognitoIdentity !== undefined && inv.cognitoIdentity !== '') {
    headers.push('Lambda-Runtime-Cognito-Identity', inv.cognitoIdentity);
  }
  return headers;
}

/**
 * The Lambda Runtime API (reference §6) for one execution environment, on 127.0.0.1 and an
 * ephemeral port. It holds at most one invocation: `dispatch` hands it to the runtime's parked
 * `/next` (or to the next one that arrives); `/response` or `/error` completes it. Lamina's own
 * runtimes switch their connection to `lamina-runtime-api` (`runtime-api-upgrade.ts`): same
 * requests, answers written with fewer syscalls; every other client gets node:http.
 */
export class RuntimeApiServer {
  private readonly server: http.Server;
  private readonly events: RuntimeApiEvents;
  /** Set for a generic environment; `/next` and `/init/error` wait until it is applied. */
  readonly specialization: SpecializationChannel | undefined;
  private readonly maxBytes: number;
  private readonly tooLarge: Buffer;
  private initState: 'initializing' | 'initialized' | 'failed' = 'initializing';
  /** The runtime's long-polling `/next`, waiting for work. */
  private parked: Target | undefined;
  /** Dispatched but not yet sent to the runtime. */
  private pending: Slot | undefined;
  /** Sent to the runtime, waiting for its answer. */
  private current: Slot | undefined;
  private closing: Promise<void> | undefined;
  /** Bumped by cancel(): answers whose body is still arriving then no longer count. */
  private epoch = 0;
  /** Upgraded connections: node:http no longer tracks them, close() ends them. */
  private readonly upgraded = new Set<UpgradedConnection>();

  constructor(options: RuntimeApiServerOptions) {
    this.events = options.events;
    const s = options.specialization;
    this.specialization = s === undefined ? undefined : new SpecializationChannel(s);
    this.maxBytes = options.maxResponseBytes ?? LIMITS.syncResponseMaxBytes;
    this.tooLarge = json({
      errorType: 'RequestEntityTooLarge',
      errorMessage: `Exceeded maximum allowed payload size (${this.maxBytes} bytes).`,
    });
    this.server = http.createServer({ noDelay: true, requestTimeout: 0 }, (req, res) => {
      this.route(req, res);
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      this.upgrade(req, socket, head);
    });
    // The runtime is the only client: keep its connection for as long as it lives.
    this.server.keepAliveTimeout = 0;
  }

  /** Listens on `port` (default: any free one); resolves to AWS_LAMBDA_RUNTIME_API's value. */
  listen(port = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const { port } = this.server.address() as AddressInfo;
        resolve(`127.0.0.1:${port}`);
      });
    });
  }

  /**
   * Hands an invocation to the runtime: `onSent` is called when the runtime receives it (now, or
   * at its next `/next`), `done` once, when the runtime answers.
   */
  dispatch(
    invocation: Invocation,
    deadlineMs: number,
    traceId: string,
    onSent: () => void,
    done: OutcomeCallback,
  ): void {
    if (this.pending !== undefined || this.current !== undefined) {
      throw new Error('RuntimeApiServer: an invocation is already in flight');
    }
    this.pending = { invocation, deadlineMs, traceId, onSent, done };
    if (this.parked !== undefined) this.send();
  }

  /** True while a dispatched invocation waits for the runtime to fetch it. */
  get waitingForRuntime(): boolean {
    return this.pending !== undefined;
  }

  /** Forgets the invocation in flight (timed out, runtime gone); a late answer gets 400. */
  cancel(): void {
    this.pending = undefined;
    this.current = undefined;
    this.epoch++;
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.cancel();
      this.parked = undefined;
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
      for (const conn of this.upgraded) conn.destroy();
    });
    return this.closing;
  }

  private send(): void {
    const res = this.parked;
    const slot = this.pending;
    if (res === undefined || slot === undefined) return;
    this.parked = undefined;
    // The runtime's connection broke while it waited: keep the invocation for its next /next.
    if (res.destroyed) return;
    this.pending = undefined;
    this.current = slot;
    const payload = slot.invocation.payload;
    const headers = invocationHeaders(slot);
    slot.onSent();
    if (res instanceof UpgradedConnection) {
      res.deliver(answerHead(200, payload.length, headers), payload);
      return;
    }
    headers.push('Content-Length', String(payload.length));
    res.writeHead(200, headers);
    res.end(payload);
  }

  /** Lamina's runtime asked to switch protocols with its `/next` (runtime-api-upgrade.ts). */
  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const conn = new UpgradedConnection(
      socket,
      (c, r) => {
        this.routeUpgraded(c, r);
      },
      this.maxBytes,
    );
    if (req.headers.upgrade?.toLowerCase() !== UPGRADE_TOKEN || this.closing !== undefined) {
      conn.reply(400, INVALID_UPGRADE);
      socket.end();
      return;
    }
    this.upgraded.add(conn);
    socket.on('close', () => {
      this.upgraded.delete(conn);
    });
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = Array.isArray(value) ? value[0] : value;
    }
    conn.start(
      { method: req.method ?? '', url: req.url ?? '', headers, body: EMPTY, size: 0 },
      head,
    );
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const route = routeOf(req.method, req.url ?? '', this.specialization);
    switch (route.kind) {
      case 'specialization':
        this.specialization?.route(req, res);
        return;
      case 'next':
        this.next(res);
        return;
      case 'init-error':
        this.initError(req, res);
        return;
      case 'answer':
        this.answer(req, res, route.requestId, route.isError);
        return;
      case 'refuse':
        reply(res, route.status, route.body);
    }
  }

  /** The same operations on an upgraded connection, whose requests arrive whole. */
  private routeUpgraded(conn: UpgradedConnection, req: UpgradedRequest): void {
    const route = routeOf(req.method, req.url, this.specialization);
    const errorType = req.headers['lambda-runtime-function-error-type'];
    switch (route.kind) {
      case 'next':
        this.next(conn);
        return;
      case 'init-error':
        if (this.startInitError(conn)) this.reportInitError(conn, errorType, req.body);
        return;
      case 'answer': {
        const slot = this.claim(conn, route.requestId, req.headers[MODE_HEADER], route.isError);
        if (slot === undefined) return;
        if (req.body === undefined) {
          conn.reply(413, this.tooLarge);
          slot.done({ kind: 'too-large', size: req.size });
        } else {
          conn.reply(202, ACCEPTED);
          slot.done(
            route.isError
              ? { kind: 'error', payload: req.body, errorType }
              : { kind: 'response', payload: req.body, contentType: req.headers['content-type'] },
          );
        }
        return;
      }
      case 'specialization':
        // Specialization precedes the first /next, so never arrives upgraded.
        conn.reply(403, INVALID_STATE);
        return;
      case 'refuse':
        conn.reply(route.status, route.body);
    }
  }

  private next(res: Target): void {
    // A second concurrent /next, or /next while an invocation awaits its answer, breaks the
    // one-invocation-at-a-time protocol; after /init/error the runtime must exit.
    const parkedAlive = this.parked !== undefined && !this.parked.destroyed;
    if (this.initState === 'failed' || this.current !== undefined || parkedAlive) {
      answerTo(res, 403, INVALID_STATE);
      return;
    }
    this.parked = res;
    // An upgraded connection's queued answers (the 202 of the /response before this /next)
    // leave with the invocation.
    if (res instanceof UpgradedConnection) res.hold = true;
    if (this.initState === 'initializing') {
      this.initState = 'initialized';
      this.events.onInitDone();
    }
    if (this.pending !== undefined) this.send();
  }

  /**
   * The invocation a `/response` or `/error` answers, now answered: undefined (and the runtime
   * told why) when the id is not the one in flight or the response mode is unknown.
   */
  private claim(
    res: Target,
    requestId: string,
    mode: string | undefined,
    isError: boolean,
  ): Slot | undefined {
    const slot = this.current;
    if (slot?.invocation.requestId !== requestId) {
      answerTo(res, 400, INVALID_ID);
      return undefined;
    }
    // Answered from now on: a /next pipelined behind this request may be routed before its body
    // has ended.
    this.current = undefined;
    if (!isError && mode !== undefined && mode !== 'streaming') {
      answerTo(res, 400, modes.INVALID_MODE);
      slot.done(modes.INVALID_MODE_OUTCOME);
      return undefined;
    }
    return slot;
  }

  private answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string,
    isError: boolean,
  ): void {
    const mode = isError ? undefined : header(req, MODE_HEADER);
    const slot = this.claim(res, requestId, mode, isError);
    if (slot === undefined) return;
    // A cancel (timeout) while the body arrives makes it moot.
    const epoch = this.epoch;
    if (mode === 'streaming') modes.forwardStream(req, slot.invocation, () => epoch === this.epoch);
    readBody(
      req,
      this.maxBytes,
      (body, size) => {
        const live = epoch === this.epoch;
        if (body === undefined) {
          reply(res, 413, this.tooLarge);
          if (live) slot.done({ kind: 'too-large', size });
          return;
        }
        reply(res, live ? 202 : 400, live ? ACCEPTED : INVALID_ID);
        if (!live) return;
        if (isError) {
          const errorType = header(req, 'lambda-runtime-function-error-type');
          slot.done({ kind: 'error', payload: body, errorType });
        } else if (mode === 'streaming') {
          slot.done(modes.streamedOutcome(req, body));
        } else {
          slot.done({ kind: 'response', payload: body, contentType: req.headers['content-type'] });
        }
      },
      () => {
        if (epoch === this.epoch) slot.done(TRUNCATED);
      },
    );
  }

  /** False (and 403 answered) unless the runtime is still initializing. */
  private startInitError(res: Target): boolean {
    if (this.initState !== 'initializing') {
      answerTo(res, 403, INVALID_STATE);
      return false;
    }
    this.initState = 'failed';
    return true;
  }

  private reportInitError(res: Target, errorType: string | undefined, body: Buffer | undefined) {
    if (body !== undefined) answerTo(res, 202, ACCEPTED);
    this.events.onInitError(errorType, body ?? EMPTY);
  }

  private initError(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.startInitError(res)) return;
    const errorType = header(req, 'lambda-runtime-function-error-type');
    readBody(
      req,
      this.maxBytes,
      (body) => {
        this.reportInitError(res, errorType, body);
      },
      () => {
        this.reportInitError(res, errorType, undefined);
      },
    );
  }
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LIMITS, type Invocation } from '@lamina/core';
import { header, readBody, reply } from './http-helpers.js';
import {
  ACCEPTED,
  EMPTY,
  INVALID_ID,
  INVALID_STATE,
  METHOD_NOT_ALLOWED,
  NOT_FOUND,
  TRUNCATED,
  json,
} from './runtime-api-answers.js';
import * as modes from './response-mode.js';
import {
  SPECIALIZATION_PATH,
  SpecializationChannel,
  type SpecializationEvents,
} from './specialization-channel.js';

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

const PREFIX = '/2018-06-01/runtime/';
const INVOCATION = 'invocation/';
/**
 * The Lambda Runtime API (reference §6) for one execution environment, on 127.0.0.1 and an
 * ephemeral port. It holds at most one invocation: `dispatch` hands it to the runtime's parked
 * `/next` (or to the next one that arrives); `/response` or `/error` completes it.
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
  private parked: http.ServerResponse | undefined;
  /** Dispatched but not yet sent to the runtime. */
  private pending: Slot | undefined;
  /** Sent to the runtime, waiting for its answer. */
  private current: Slot | undefined;
  private closing: Promise<void> | undefined;
  /** Bumped by cancel(): answers whose body is still arriving then no longer count. */
  private epoch = 0;

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
    const inv = slot.invocation;
    const headers: string[] = [
      'Content-Type',
      'application/json',
      'Content-Length',
      String(inv.payload.length),
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
    slot.onSent();
    res.writeHead(200, headers);
    res.end(inv.payload);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    const path = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : '';
    const generic = this.specialization;
    if (generic !== undefined && (path === SPECIALIZATION_PATH || !generic.applied)) {
      if (path === SPECIALIZATION_PATH) generic.route(req, res);
      else reply(res, 403, INVALID_STATE);
    } else if (path === 'invocation/next') {
      if (req.method === 'GET') this.next(res);
      else reply(res, 405, METHOD_NOT_ALLOWED);
    } else if (path === 'init/error') {
      if (req.method === 'POST') this.initError(req, res);
      else reply(res, 405, METHOD_NOT_ALLOWED);
    } else if (path.startsWith(INVOCATION)) {
      const slash = path.indexOf('/', INVOCATION.length);
      const action = slash < 0 ? '' : path.slice(slash + 1);
      if (action !== 'response' && action !== 'error') reply(res, 404, NOT_FOUND);
      else if (req.method !== 'POST') reply(res, 405, METHOD_NOT_ALLOWED);
      else this.answer(req, res, path.slice(INVOCATION.length, slash), action === 'error');
    } else {
      reply(res, 404, NOT_FOUND);
    }
  }

  private next(res: http.ServerResponse): void {
    // A second concurrent /next, or /next while an invocation awaits its answer, breaks the
    // one-invocation-at-a-time protocol; after /init/error the runtime must exit.
    const parkedAlive = this.parked !== undefined && !this.parked.destroyed;
    if (this.initState === 'failed' || this.current !== undefined || parkedAlive) {
      reply(res, 403, INVALID_STATE);
      return;
    }
    this.parked = res;
    if (this.initState === 'initializing') {
      this.initState = 'initialized';
      this.events.onInitDone();
    }
    if (this.pending !== undefined) this.send();
  }

  private answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string,
    isError: boolean,
  ): void {
    const slot = this.current;
    if (slot?.invocation.requestId !== requestId) {
      reply(res, 400, INVALID_ID);
      return;
    }
    const mode = isError ? undefined : header(req, 'lambda-runtime-function-response-mode');
    if (mode !== undefined && mode !== 'streaming') {
      this.current = undefined;
      reply(res, 400, modes.INVALID_MODE);
      slot.done(modes.INVALID_MODE_OUTCOME);
      return;
    }
    // Answered from now on: a /next pipelined behind this request may be routed before its body
    // has ended. A cancel (timeout) meanwhile makes the body moot.
    this.current = undefined;
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

  private initError(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.initState !== 'initializing') {
      reply(res, 403, INVALID_STATE);
      return;
    }
    this.initState = 'failed';
    const report = (body: Buffer | undefined): void => {
      this.events.onInitError(header(req, 'lambda-runtime-function-error-type'), body ?? EMPTY);
    };
    readBody(
      req,
      this.maxBytes,
      (body) => {
        reply(res, 202, ACCEPTED);
        report(body);
      },
      () => {
        report(undefined);
      },
    );
  }
}

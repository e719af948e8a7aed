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
  InvocationState,
  type OutcomeCallback,
  type RuntimeApiEvents,
} from './runtime-api-state.js';
import { UPGRADE_TOKEN, UpgradedConnection, type UpgradedRequest } from './runtime-api-upgrade.js';
import { SpecializationChannel, type SpecializationEvents } from './specialization-channel.js';

export type { OutcomeCallback, RuntimeApiEvents, RuntimeOutcome } from './runtime-api-state.js';

const MODE_HEADER = 'lambda-runtime-function-response-mode';

export interface RuntimeApiServerOptions {
  readonly events: RuntimeApiEvents;
  /** Defaults to Lambda's 6,291,556 bytes. */
  readonly maxResponseBytes?: number;
  /** A generic environment's server: it serves Lamina's specialization request (ADR 0019). */
  readonly specialization?: SpecializationEvents;
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
  private readonly state: InvocationState;
  /** Set for a generic environment; `/next` and `/init/error` wait until it is applied. */
  readonly specialization: SpecializationChannel | undefined;
  private readonly maxBytes: number;
  private readonly tooLarge: Buffer;
  private closing: Promise<void> | undefined;
  /** Upgraded connections: node:http no longer tracks them, close() ends them. */
  private readonly upgraded = new Set<UpgradedConnection>();

  constructor(options: RuntimeApiServerOptions) {
    this.state = new InvocationState(options.events);
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
    this.state.dispatch({ invocation, deadlineMs, traceId, onSent, done });
  }

  /** True while a dispatched invocation waits for the runtime to fetch it. */
  get waitingForRuntime(): boolean {
    return this.state.waitingForRuntime;
  }

  /** Forgets the invocation in flight (timed out, runtime gone); a late answer gets 400. */
  cancel(): void {
    this.state.cancel();
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.state.clear();
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
      for (const conn of this.upgraded) conn.destroy();
    });
    return this.closing;
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
        this.state.next(res);
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
        this.state.next(conn);
        return;
      case 'init-error':
        if (this.state.startInitError(conn)) this.state.reportInitError(conn, errorType, req.body);
        return;
      case 'answer': {
        const slot = this.state.claim(
          conn,
          route.requestId,
          req.headers[MODE_HEADER],
          route.isError,
        );
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

  private answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string,
    isError: boolean,
  ): void {
    const mode = isError ? undefined : header(req, MODE_HEADER);
    const slot = this.state.claim(res, requestId, mode, isError);
    if (slot === undefined) return;
    // A cancel (timeout) while the body arrives makes it moot.
    const epoch = this.state.epoch;
    if (mode === 'streaming')
      modes.forwardStream(req, slot.invocation, () => epoch === this.state.epoch);
    readBody(
      req,
      this.maxBytes,
      (body, size) => {
        const live = epoch === this.state.epoch;
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
        if (epoch === this.state.epoch) slot.done(TRUNCATED);
      },
    );
  }

  private initError(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.state.startInitError(res)) return;
    const errorType = header(req, 'lambda-runtime-function-error-type');
    readBody(
      req,
      this.maxBytes,
      (body) => {
        this.state.reportInitError(res, errorType, body);
      },
      () => {
        this.state.reportInitError(res, errorType, undefined);
      },
    );
  }
}

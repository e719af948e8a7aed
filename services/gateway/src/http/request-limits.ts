/**
 * How long a client may take to send a request: its headers within `headersTimeoutMs`, the whole
 * request (headers and body) within `requestTimeoutMs`, both counted from the request's first
 * byte. Without them a client that announces a Content-Length it never sends, or trickles its
 * body a byte a second, holds a connection (and a body buffer) for as long as it likes.
 *
 * The bounds are Node's own (`headersTimeout`, `requestTimeout`), checked by the server every
 * `checkIntervalMs`; a request past its bound is answered `408 Request Timeout` with
 * `Connection: close` when no response has started on that connection yet, and the connection is
 * closed either way. Time spent on the response (a 15-minute invoke) is not counted: the bound
 * ends when the request has been received.
 *
 * Invariant: applied once per server, before it listens (Node starts its checker at listen).
 * Every other client error keeps Node's default answer (400, 413, 431).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import { Counter, type Registry } from 'prom-client';

export interface RequestLimits {
  /** Receiving the request line and headers; at most `requestTimeoutMs`. */
  readonly headersTimeoutMs: number;
  /** Receiving the whole request, body included. */
  readonly requestTimeoutMs: number;
}

type Phase = 'headers' | 'body';

interface RawAnswer {
  readonly status: string;
  /** A Lambda error name, so every 4xx names one (X-Amzn-ErrorType), as routes' errors do. */
  readonly type: string;
  readonly message: string;
}

/** Node's statuses for client errors, in Lambda's error shape (the fuzzing suite checks it). */
const ANSWERS: Readonly<Record<string, RawAnswer>> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: '408 Request Timeout',
    type: 'RequestTimeoutException',
    message: 'The request was not received in time.',
  },
  HPE_HEADER_OVERFLOW: {
    status: '431 Request Header Fields Too Large',
    type: 'InvalidRequestContentException',
    message: 'The request line and headers are too large.',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: '413 Payload Too Large',
    type: 'RequestTooLargeException',
    message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
  },
};
const BAD_REQUEST: RawAnswer = {
  status: '400 Bad Request',
  type: 'InvalidRequestContentException',
  message: 'The request could not be parsed as HTTP.',
};

function rawAnswer(a: RawAnswer): string {
  const body = JSON.stringify({ Type: 'User', message: a.message });
  return [
    `HTTP/1.1 ${a.status}`,
    'Connection: close',
    'Content-Type: application/json',
    `X-Amzn-ErrorType: ${a.type}`,
    `Content-Length: ${String(Buffer.byteLength(body))}`,
    '',
    body,
  ].join('\r\n');
}

/** Often enough that a bound is kept within a tenth of itself, never more than once per 50 ms. */
function checkIntervalMs(limits: RequestLimits): number {
  return Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 10)));
}

/** Sets the bounds on each server, answers and counts the requests that break them. */
export function applyRequestLimits(
  servers: Server | readonly Server[],
  limits: RequestLimits,
  registry: Registry,
): void {
  const all: readonly Server[] = Array.isArray(servers) ? servers : [servers as Server];
  if (all.some((s) => s.listening))
    throw new Error('request limits must be applied before the server listens');
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new RangeError('headersTimeoutMs must not exceed requestTimeoutMs');
  const timeouts = new Counter({
    name: 'lamina_gateway_request_timeouts_total',
    help: 'Requests closed because the client took too long to send their headers or their body.',
    labelNames: ['phase'] as const,
    registers: [registry],
  });
  for (const server of all) limitServer(server, limits, timeouts);
}

const CURRENT = Symbol('lamina.currentResponse');

interface WithCurrent {
  [CURRENT]?: ServerResponse;
}

/** One server's bounds and answers; `timeouts` counts for every server of the process. */
function limitServer(server: Server, limits: RequestLimits, timeouts: Counter<'phase'>): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  // A plain property (not in @types/node) Node reads when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    checkIntervalMs(limits);

  // The request being received or answered on each connection: was the timeout in its body,
  // and has its response begun (then no 408 may be written into it)? Kept on the socket itself,
  // one property store per request (the response knows its request).
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    (req.socket as WithCurrent)[CURRENT] = res;
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const res = (socket as WithCurrent)[CURRENT];
    const last = res === undefined ? undefined : { req: res.req, res };
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      const phase: Phase = last !== undefined && !last.req.complete ? 'body' : 'headers';
      timeouts.inc({ phase });
    }
    // No 408 into a response already begun: the one of the request cut off (answered before its
    // body came), or one still being written for the request before.
    const answered =
      last !== undefined &&
      last.res.headersSent &&
      (!last.req.complete || !last.res.writableFinished);
    if (socket.writable && !answered) {
      const answer = (err.code === undefined ? undefined : ANSWERS[err.code]) ?? BAD_REQUEST;
      socket.write(rawAnswer(answer));
    }
    socket.destroy(err);
  });
}

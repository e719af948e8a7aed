import net from 'node:net';

import { headerLines, knownHeaderNames } from '@lamina/core/http-head';

/** One HTTP response from the Runtime API; header names are lower-case. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

interface Waiter {
  readonly resolve: (r: ApiResponse) => void;
  readonly reject: (e: Error) => void;
}

const BASE = '/2018-06-01/runtime';
/** Lamina's own route, not Lambda's: only a generic runtime's server answers it. */
const SPECIALIZATION = `${BASE}/lamina/specialization`;
const EMPTY = Buffer.alloc(0);
/** The answer to a POST pipelined before a /next: the platform has already recorded it. */
const IGNORED: Waiter = { resolve: () => undefined, reject: () => undefined };
/**
 * Asked for on a connection's first `/next`: Lamina's Runtime API then writes the 202 of a
 * pipelined answer together with the next event (one wake-up per invocation; ADR 0042). Any other
 * Runtime API ignores it and answers as usual.
 */
const UPGRADE = 'Connection: Upgrade\r\nUpgrade: lamina-runtime-api\r\n';

/**
 * A minimal HTTP/1.1 client of the Lambda Runtime API over one keep-alive TCP connection.
 * Requests are pipelined: the answer to an invocation and the next `/next` leave in one write,
 * which saves a round trip and a wake-up per invocation. The socket is unref'd while nothing is
 * pending, so it never keeps the event loop alive (callback handlers wait for an empty loop).
 */
export class RuntimeClient {
  private readonly host: string;
  private readonly port: number;
  /** A `/next` request, written once per invocation: built once. */
  private readonly nextRequest: string;
  private readonly nextUpgradeRequest: string;
  /** `Host: …` and the body's type: the same in every POST. */
  private readonly postHeaders: string;
  private socket: net.Socket | undefined;
  /** The upgrade was asked for on this connection. */
  private upgradeAsked = false;
  /** Requests in flight, oldest first, from `head` on (no shifting: the array is reused). */
  private readonly waiters: Waiter[] = [];
  private head = 0;
  private buf: Buffer = EMPTY;

  /** @param endpoint `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  constructor(endpoint: string) {
    const colon = endpoint.lastIndexOf(':');
    this.host = colon > 0 ? endpoint.slice(0, colon) : endpoint;
    this.port = colon > 0 ? Number(endpoint.slice(colon + 1)) : 80;
    const get = `GET ${BASE}/invocation/next HTTP/1.1\r\nHost: ${this.host}\r\n`;
    this.nextRequest = `${get}\r\n`;
    this.nextUpgradeRequest = `${get}${UPGRADE}\r\n`;
    this.postHeaders = ` HTTP/1.1\r\nHost: ${this.host}\r\nContent-Type: application/json\r\n`;
  }

  /** Long-polls for the next invocation. */
  next(): Promise<ApiResponse> {
    const upgrade = !this.upgradeAsked && this.inFlight() === 0;
    this.upgradeAsked ||= upgrade;
    return this.send(this.get(upgrade), 1);
  }

  /** Posts an invocation's result and asks for the next invocation in the same write. */
  respondAndNext(requestId: string, body: string): Promise<ApiResponse> {
    const post = this.post(`${BASE}/invocation/${requestId}/response`, body, undefined);
    return this.send(post + this.get(), 2);
  }

  /** Posts an invocation's error and asks for the next invocation in the same write. */
  failAndNext(requestId: string, body: string, errorType: string): Promise<ApiResponse> {
    const post = this.post(`${BASE}/invocation/${requestId}/error`, body, errorType);
    return this.send(post + this.get(), 2);
  }

  postError(requestId: string, body: string, errorType: string): Promise<ApiResponse> {
    const post = this.post(`${BASE}/invocation/${requestId}/error`, body, errorType);
    return this.send(post, 1);
  }

  /** Lamina's specialization request (ADR 0019): parks until a cold call claims this runtime. */
  specialization(): Promise<ApiResponse> {
    return this.send(`GET ${SPECIALIZATION} HTTP/1.1\r\nHost: ${this.host}\r\n\r\n`, 1);
  }

  /** Confirms the specialization was applied; the platform counts the runtime as its function's. */
  specialized(): Promise<ApiResponse> {
    return this.send(this.post(SPECIALIZATION, '{}', undefined), 1);
  }

  postInitError(body: string, errorType: string): Promise<ApiResponse> {
    return this.send(this.post(`${BASE}/init/error`, body, errorType), 1);
  }

  /**
   * @param upgrade ask to upgrade the connection (once per connection, and only with nothing
   *   else in flight on it: a server that does not upgrade may hold what is pipelined behind).
   */
  private get(upgrade = false): string {
    return upgrade ? this.nextUpgradeRequest : this.nextRequest;
  }

  private post(path: string, body: string, errorType: string | undefined): string {
    const type =
      errorType === undefined ? '' : `Lambda-Runtime-Function-Error-Type: ${errorType}\r\n`;
    return `POST ${path}${this.postHeaders}${type}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  }

  /** Writes `count` pipelined requests; resolves with the last one's response. */
  private send(text: string, count: number): Promise<ApiResponse> {
    const socket = this.connection();
    if (this.inFlight() === 0) socket.ref();
    for (let i = 1; i < count; i++) this.waiters.push(IGNORED);
    const answer = new Promise<ApiResponse>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
    socket.write(text);
    return answer;
  }

  private inFlight(): number {
    return this.waiters.length - this.head;
  }

  private connection(): net.Socket {
    if (this.socket !== undefined) return this.socket;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
    const fail = (err?: Error): void => {
      if (this.socket === socket) {
        this.socket = undefined;
        this.upgradeAsked = false;
      }
      this.buf = EMPTY;
      const e = err ?? new Error('the Runtime API closed the connection');
      const waiting = this.waiters.splice(this.head);
      this.waiters.length = 0;
      this.head = 0;
      for (const w of waiting) w.reject(e);
    };
    socket.on('error', fail);
    socket.on('close', () => {
      fail();
    });
    this.socket = socket;
    return socket;
  }

  private receive(chunk: Buffer): void {
    const buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    // The answers in `buf` are read at offsets: only a body someone waits for gets its own view.
    let at = 0;
    while (at < buf.length) {
      const parsed = parseResponseAt(buf, at);
      if (parsed === undefined) break;
      at = parsed.end;
      // 101 Switching Protocols: the answer to the request follows.
      if (parsed.response.status === 101) continue;
      const waiter = this.waiters[this.head];
      if (waiter === undefined) continue; // an answer nobody asked for
      this.waiters[this.head++] = IGNORED;
      if (this.inFlight() === 0) {
        this.waiters.length = 0;
        this.head = 0;
        this.socket?.unref();
      }
      waiter.resolve(parsed.response);
    }
    this.buf = at === buf.length ? EMPTY : buf.subarray(at);
  }
}

/** Parses one complete response off the front of `buf` (Content-Length or chunked body). */
export function parseResponse(buf: Buffer): { response: ApiResponse; rest: Buffer } | undefined {
  const parsed = parseResponseAt(buf, 0);
  return parsed === undefined
    ? undefined
    : { response: parsed.response, rest: buf.subarray(parsed.end) };
}

/** The names Lamina's Runtime API writes, lower-cased once (most lines of every answer). */
const KNOWN_NAMES = knownHeaderNames([
  'Content-Length',
  'Content-Type',
  'Lambda-Runtime-Aws-Request-Id',
  'Lambda-Runtime-Deadline-Ms',
  'Lambda-Runtime-Invoked-Function-Arn',
  'Lambda-Runtime-Trace-Id',
  'Lambda-Runtime-Client-Context',
  'Lambda-Runtime-Cognito-Identity',
]);

/**
 * Parses one complete response of `buf` starting at `from`; `end` is where what follows it
 * begins. Undefined while it is incomplete.
 */
export function parseResponseAt(
  buf: Buffer,
  from: number,
): { response: ApiResponse; end: number } | undefined {
  const headEnd = buf.indexOf('\r\n\r\n', from);
  if (headEnd < 0) return undefined;
  const head = buf.toString('latin1', from, headEnd);
  // `HTTP/1.1 200 …`: three digits at a fixed place.
  const status = Number(head.slice(9, 12));
  const headers = headerLines(head, head.indexOf('\r\n'), KNOWN_NAMES);
  const start = headEnd + 4;
  const length = headers['content-length'];
  if (length !== undefined) {
    const end = start + Number(length);
    if (buf.length < end) return undefined;
    return { response: { status, headers, body: buf.subarray(start, end) }, end };
  }
  if (headers['transfer-encoding']?.toLowerCase().includes('chunked') === true) {
    const chunks: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        const end = buf.indexOf('\r\n\r\n', lineEnd);
        if (end < 0) return undefined;
        const body = Buffer.concat(chunks);
        return { response: { status, headers, body }, end: end + 4 };
      }
      if (buf.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  return { response: { status, headers, body: EMPTY }, end: start };
}

import type { Socket } from 'node:net';

import { headerLines, knownHeaderNames } from '@lamina/core';

/**
 * The Runtime API over an upgraded connection (ADR 0042): Lamina's own runtime clients ask, on
 * their first `/next` of a connection, to switch to `lamina-runtime-api` — the same HTTP/1.1
 * requests and answers, but parsed and written here instead of by node:http. That lets the
 * server write each answer in one syscall together with whatever it still owes the runtime: the
 * 202 of a `/response` that the runtime pipelined with its next `/next` leaves with the next
 * event, so the runtime wakes once per invocation instead of twice. Official runtime interface
 * clients never ask and keep plain node:http; a server that does not know the token answers the
 * `/next` as usual and the client goes on with plain HTTP.
 *
 * The dialect is exactly what `runtimes/nodejs/src/runtime-client.ts` writes: requests with a
 * Content-Length body (no chunked bodies, no `Expect`), pipelined. Anything else is answered 400
 * and the connection closed.
 */
export const UPGRADE_TOKEN = 'lamina-runtime-api';
const SWITCHING = Buffer.from(
  `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${UPGRADE_TOKEN}\r\n\r\n`,
  'latin1',
);
/** Request line plus headers; Lamina's client writes about 150 bytes. */
const MAX_HEAD_BYTES = 16_384;
const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
};
const MALFORMED = Buffer.from('{"errorMessage":"Malformed request","errorType":"BadRequest"}');
const EMPTY = Buffer.alloc(0);
const LINE_BREAKS = /[\r\n]/g;

/** One request read off an upgraded connection. */
export interface UpgradedRequest {
  readonly method: string;
  readonly url: string;
  /** Lower-case name → value. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Undefined when it was larger than the connection's limit (then `size` is its length). */
  readonly body: Buffer | undefined;
  readonly size: number;
}

export type UpgradedRoute = (conn: UpgradedConnection, req: UpgradedRequest) => void;

/** The header block of an answer, ready to write (`pairs`: name, value, name, value …). */
export function answerHead(status: number, bodyLength: number, pairs: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Status'}\r\nContent-Length: ${bodyLength}\r\n`;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    // Values come from the platform (ids, ARNs) or from headers it was given; never split a line.
    // Looked for before replacing: most values have no line break (no regex run per value).
    const value = pairs[i + 1] ?? '';
    const safe =
      value.includes('\r') || value.includes('\n') ? value.replace(LINE_BREAKS, ' ') : value;
    head += `${pairs[i] ?? ''}: ${safe}\r\n`;
  }
  return `${head}\r\n`;
}

/** The names Lamina's runtime client writes, lower-cased once. */
const KNOWN_NAMES = knownHeaderNames([
  'Host',
  'Content-Type',
  'Content-Length',
  'Lambda-Runtime-Function-Error-Type',
  'Connection',
  'Upgrade',
]);

/**
 * One upgraded runtime connection. Answers queue in an outbox that leaves at the end of the
 * data event that produced them, in one write — unless the connection's `/next` is parked
 * (`hold`), in which case they leave with the invocation the server hands to it.
 */
export class UpgradedConnection {
  /** Set by the server while this connection's `/next` waits for an invocation. */
  hold = false;
  private buf: Buffer = EMPTY;
  /** Where the next request in `buf` begins: requests are read at offsets, not re-sliced. */
  private at = 0;
  private outbox: (string | Buffer)[] = [];
  private reading = false;
  /** Bytes of a too-large body still to skip. */
  private skip = 0;

  constructor(
    private readonly socket: Socket,
    private readonly route: UpgradedRoute,
    private readonly maxBodyBytes: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
    socket.on('error', () => {
      socket.destroy();
    });
  }

  /** Gone, or closing after a malformed request: nothing more can be delivered. */
  get destroyed(): boolean {
    return this.socket.destroyed || !this.socket.writable;
  }

  /**
   * Switches protocols and serves the upgrade request, then `head` (the bytes that arrived after
   * it). The 101 is queued like any answer: behind a parked `/next` it leaves with the event.
   */
  start(upgradeRequest: UpgradedRequest, head: Buffer): void {
    this.reading = true;
    this.outbox.push(SWITCHING);
    this.route(this, upgradeRequest);
    this.reading = false;
    this.flush();
    if (head.length > 0) this.receive(head);
  }

  /** Queues an answer with a JSON body. */
  reply(status: number, body: Buffer): void {
    this.outbox.push(answerHead(status, body.length, ['Content-Type', 'application/json']), body);
    if (!this.reading) this.flush();
  }

  /** Writes an invocation (its header block and payload) with everything still queued. */
  deliver(head: string, payload: Buffer): void {
    this.hold = false;
    this.outbox.push(head, payload);
    this.flush();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private flush(): void {
    if (this.hold || this.outbox.length === 0) return;
    const out = this.outbox;
    this.outbox = [];
    if (this.socket.destroyed) return;
    this.socket.cork();
    for (const part of out) {
      if (typeof part === 'string') this.socket.write(part, 'latin1');
      else this.socket.write(part);
    }
    this.socket.uncork();
  }

  private receive(chunk: Buffer): void {
    if (this.skip > 0) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      chunk = chunk.subarray(n);
    }
    this.buf =
      this.at === this.buf.length ? chunk : Buffer.concat([this.buf.subarray(this.at), chunk]);
    this.at = 0;
    this.reading = true;
    try {
      while (this.at < this.buf.length && !this.socket.destroyed) {
        const req = this.parse();
        if (req === undefined) break;
        this.route(this, req);
      }
    } finally {
      this.reading = false;
    }
    if (this.at === this.buf.length) {
      this.buf = EMPTY;
      this.at = 0;
    }
    this.flush();
  }

  /** One complete request at `at`; undefined while it is incomplete. */
  private parse(): UpgradedRequest | undefined {
    const buf = this.buf;
    const headEnd = buf.indexOf('\r\n\r\n', this.at);
    if (headEnd < 0) {
      if (buf.length - this.at > MAX_HEAD_BYTES) this.malformed();
      return undefined;
    }
    const head = buf.toString('latin1', this.at, headEnd);
    // The request line: `METHOD /path HTTP/1.1`.
    const lineEnd = head.indexOf('\r\n');
    const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
    const sp1 = line.indexOf(' ');
    const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    const headers = headerLines(head, lineEnd, KNOWN_NAMES);
    const declared = headers['content-length'];
    const size = declared === undefined ? 0 : Number(declared);
    const chunked = headers['transfer-encoding'] !== undefined || headers['expect'] !== undefined;
    if (
      sp2 < 0 ||
      line.slice(sp2 + 1) !== 'HTTP/1.1' ||
      chunked ||
      !Number.isSafeInteger(size) ||
      size < 0
    ) {
      this.malformed();
      return undefined;
    }
    const method = line.slice(0, sp1);
    const url = line.slice(sp1 + 1, sp2);
    const start = headEnd + 4;
    if (size > this.maxBodyBytes) {
      // Answered now; the body is skipped as it arrives, never held.
      const here = Math.min(size, buf.length - start);
      this.skip = size - here;
      this.at = start + here;
      return { method, url, headers, body: undefined, size };
    }
    if (buf.length < start + size) return undefined;
    this.at = start + size;
    return { method, url, headers, body: buf.subarray(start, start + size), size };
  }

  private malformed(): void {
    this.buf = EMPTY;
    this.at = 0;
    this.hold = false;
    this.outbox.push(answerHead(400, MALFORMED.length, ['Connection', 'close']), MALFORMED);
    this.flush();
    this.socket.end();
  }
}

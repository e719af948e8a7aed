import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import {
  AGENT_HEADERS,
  AGENT_INVOKE_PATH,
  AGENT_REFUSAL_STATUS,
  type AgentRefusal,
  agentErrorResponse,
  type ParsedAgentRequest,
  parseInvocationRequest,
  resultHeaders,
} from '@lamina/core';

import type { WorkerPod } from '../pods/worker-pods.js';

/** What a fake agent does with one invocation. */
export type AgentBehaviour =
  /** Runs it: answers `{pod, payload}` after `delayMs` (default 0). */
  | { readonly kind: 'run'; readonly delayMs?: number }
  | { readonly kind: 'refuse'; readonly refusal: AgentRefusal }
  /** A platform error answer (e.g. ServiceException 500). */
  | { readonly kind: 'error'; readonly error: Error }
  /** Reads the request, then drops the connection without answering. */
  | { readonly kind: 'drop' }
  /** Sends the 200 headers and part of the body, then drops the connection. */
  | { readonly kind: 'break-off' };

/**
 * A worker agent on a real local port, speaking core's agent protocol: one invocation at a
 * time (a second concurrent one is refused `busy`, as the real agent does), every request
 * recorded. `behave` decides per call (default: run).
 */
export class FakeAgent {
  readonly requests: ParsedAgentRequest[] = [];
  /** Most concurrent invocations seen (the pool must keep it at 1). */
  maxConcurrent = 0;
  /** Invocations refused `busy` because one was running (the pool must keep it at 0). */
  busyRefusals = 0;
  /** TCP connections accepted (keep-alive reuses them). */
  connections = 0;
  behave: (call: number) => AgentBehaviour = () => ({ kind: 'run' });
  private running = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly name: string,
    private readonly server: Server,
  ) {
    server.on('connection', (s) => {
      this.connections += 1;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(name: string): Promise<FakeAgent> {
    const server = createServer();
    const agent = new FakeAgent(name, server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void agent.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return agent;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The pod this agent plays. */
  pod(o: Partial<WorkerPod> = {}): WorkerPod {
    return {
      name: this.name,
      ip: '127.0.0.1',
      port: this.port,
      functionName: 'hello',
      version: '$LATEST',
      codeSha256Hex: 'aa'.repeat(32),
      ...o,
    };
  }

  /** Runs (that is, invocations that got past the refusals). */
  get runs(): number {
    return this.requests.length;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url !== AGENT_INVOKE_PATH || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    if (this.running > 0) {
      this.busyRefusals += 1;
      this.refuse(res, 'busy');
      return;
    }
    const parsed = parseInvocationRequest(req.headers, Buffer.concat(chunks));
    const b = this.behave(this.requests.length + 1);
    if (b.kind === 'refuse') {
      this.refuse(res, b.refusal);
      return;
    }
    this.requests.push(parsed);
    this.running += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    try {
      switch (b.kind) {
        case 'run': {
          if (b.delayMs !== undefined) await new Promise((r) => setTimeout(r, b.delayMs));
          const payload = Buffer.from(
            JSON.stringify({ pod: this.name, payload: parsed.invocation.payload.toString() }),
          );
          res.writeHead(
            200,
            resultHeaders({
              payload,
              executedVersion: parsed.target.version,
              coldStart: false,
              durationMs: 1,
            }),
          );
          res.end(payload);
          return;
        }
        case 'error': {
          const { status, body } = agentErrorResponse(b.error);
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          return;
        }
        case 'drop':
          req.socket.destroy();
          return;
        case 'break-off':
          res.writeHead(200, { 'content-length': '100', [AGENT_HEADERS.executedVersion]: '1' });
          res.write('{"partial":');
          await new Promise((r) => setTimeout(r, 20));
          req.socket.destroy();
          return;
      }
    } finally {
      this.running -= 1;
    }
  }

  private refuse(res: ServerResponse, refusal: AgentRefusal): void {
    res
      .writeHead(AGENT_REFUSAL_STATUS[refusal], {
        'content-type': 'application/json',
        [AGENT_HEADERS.refusal]: refusal,
      })
      .end(JSON.stringify({ errorType: 'ServiceException', errorMessage: refusal }));
  }
}

/** A local port nothing listens on (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

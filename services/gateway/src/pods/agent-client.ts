import { Agent, type IncomingMessage, request } from 'node:http';
import type { Socket } from 'node:net';

import {
  AGENT_INVOKE_PATH,
  type AgentRefusal,
  type AgentTarget,
  agentRefusal,
  invocationHeaders,
  type Invocation,
  type InvocationResult,
  LaminaError,
  parseAgentError,
  parseResult,
  ServiceException,
} from '@lamina/core';

/** What one call to a worker agent came to. */
export type AgentAnswer =
  | { readonly kind: 'result'; readonly result: InvocationResult }
  /** The agent did not run the invocation (busy, draining, wrong target): try another pod. */
  | { readonly kind: 'refused'; readonly refusal: AgentRefusal }
  /** The agent answered a platform error: the invocation may have run, so it is final. */
  | { readonly kind: 'error'; readonly error: LaminaError };

/**
 * The request never reached the agent (connection refused, unreachable, connect timeout):
 * the invocation did not run, so it may be tried on another pod.
 */
export class AgentUnreachableError extends Error {
  override readonly name = 'AgentUnreachableError';
  constructor(
    readonly address: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`worker agent at ${address} is unreachable (${code})`, options);
  }
}

export interface AgentCallOptions {
  readonly ip: string;
  readonly port: number;
  readonly target: AgentTarget;
  /** With `deadlineMs` set. */
  readonly invocation: Invocation;
  /** The whole call: connect, run, answer. */
  readonly timeoutMs: number;
}

/** One invocation on one worker agent; faked in the pool's tests by real local servers. */
export interface AgentClient {
  /**
   * Resolves with the agent's answer; rejects with AgentUnreachableError when nothing was
   * sent, and with a ServiceException when the call failed after the request went out (the
   * invocation may have run: never retried).
   */
  invoke(o: AgentCallOptions): Promise<AgentAnswer>;
  close(): void;
}

export interface HttpAgentClientOptions {
  /** Give up connecting after this long (a pod IP nobody answers on). Default 2 s. */
  readonly connectTimeoutMs?: number;
  /** Read at most this many bytes of an answer; a longer one is cut here. */
  readonly maxResponseBytes: number;
}

/**
 * The worker agent's client over node:http with a keep-alive Agent (one pooled connection per
 * pod in use). A call is "not sent" only while the TCP connection is not established; once it
 * is, any failure is final, because the agent may already be running the invocation.
 */
export class HttpAgentClient implements AgentClient {
  private readonly agent = new Agent({ keepAlive: true, scheduling: 'lifo' });
  private readonly connectTimeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(o: HttpAgentClientOptions) {
    this.connectTimeoutMs = o.connectTimeoutMs ?? 2_000;
    this.maxResponseBytes = o.maxResponseBytes;
  }

  invoke(o: AgentCallOptions): Promise<AgentAnswer> {
    const address = `${o.ip}:${String(o.port)}`;
    return new Promise<AgentAnswer>((resolve, reject) => {
      let connected = false;
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(callTimer);
        fn();
      };
      const payload = o.invocation.payload;
      const req = request({
        host: o.ip,
        port: o.port,
        method: 'POST',
        path: AGENT_INVOKE_PATH,
        agent: this.agent,
        headers: {
          ...invocationHeaders(o.target, o.invocation),
          'content-length': String(payload.length),
        },
      });
      const connectTimer = setTimeout(() => {
        if (connected) return;
        finish(() => {
          reject(new AgentUnreachableError(address, 'connect timeout'));
        });
        req.destroy();
      }, this.connectTimeoutMs);
      const callTimer = setTimeout(() => {
        finish(() => {
          reject(
            new ServiceException(
              `worker agent at ${address} did not answer within ${String(o.timeoutMs)} ms`,
            ),
          );
        });
        req.destroy();
      }, o.timeoutMs);
      req.on('socket', (socket: Socket) => {
        if (!socket.connecting) {
          connected = true; // a pooled connection
          return;
        }
        socket.once('connect', () => {
          connected = true;
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish(() => {
          if (!connected) {
            reject(new AgentUnreachableError(address, err.code ?? err.message, { cause: err }));
          } else {
            reject(
              new ServiceException(`the call to the worker agent at ${address} failed`, {
                cause: err,
              }),
            );
          }
        });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size >= this.maxResponseBytes) return;
          chunks.push(chunk);
          size += chunk.length;
          if (size >= this.maxResponseBytes) {
            // Enough to know it is too large; the connection is not reused.
            const body = Buffer.concat(chunks).subarray(0, this.maxResponseBytes);
            finish(() => {
              resolve(this.answer(res, body, o.target.version));
            });
            res.destroy();
          }
        });
        res.on('end', () => {
          finish(() => {
            resolve(this.answer(res, Buffer.concat(chunks), o.target.version));
          });
        });
        const brokeOff = (err?: Error): void => {
          finish(() => {
            reject(
              new ServiceException(`the answer of the worker agent at ${address} broke off`, {
                cause: err,
              }),
            );
          });
        };
        res.on('error', brokeOff);
        res.on('close', () => {
          if (!res.complete) brokeOff();
        });
      });
      req.end(payload);
    });
  }

  private answer(res: IncomingMessage, body: Buffer, version: string): AgentAnswer {
    const { headers } = res;
    const status = res.statusCode ?? 0;
    if (status === 200) return { kind: 'result', result: parseResult(headers, body, version) };
    const refusal = agentRefusal(headers);
    if (refusal !== undefined) return { kind: 'refused', refusal };
    return { kind: 'error', error: parseAgentError(status, body) };
  }

  /**
   * Closes the idle pooled connections to an agent, for a pod that left the pool: a stopping
   * agent waits for its gateways to close them rather than close them under a call that may be
   * on its way (the worker's gateway-connections.ts). A call in flight keeps its connection.
   */
  forget(ip: string, port: number): void {
    for (const socket of this.agent.freeSockets[this.agent.getName({ host: ip, port })] ?? []) {
      socket.destroy();
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

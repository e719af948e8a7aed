import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

import { AGENT_INVOKE_PATH, AGENT_SPECIALIZE_PATH } from '@lamina/core';

/**
 * The connections gateways hold to this agent: those that carried an invoke or specialise
 * request (probes and metric scrapes are not counted).
 *
 * Why a stopping agent waits for them instead of closing them: a gateway pools one keep-alive
 * connection per pod, and an idle pooled connection the agent closes can cross a call the gateway
 * is writing on it at that instant. The gateway then sees a reset on an established connection,
 * which it must not retry (the call may have run): the caller gets a ServiceException (CI saw
 * one in cluster-burst). So a stopping agent answers every request with `Connection: close`,
 * and each gateway drops its idle connections to a pod once its watch sees the pod go; the agent
 * exits when none is left, or at its linger deadline (ADR 0032, amended).
 *
 * Invariants: a socket is counted from its first gateway request until it closes.
 */
export class GatewayConnections {
  private readonly open = new Set<Socket>();
  private emptied: (() => void)[] = [];

  constructor(server: Server) {
    server.on('request', (req: IncomingMessage) => {
      if (req.url !== AGENT_INVOKE_PATH && req.url !== AGENT_SPECIALIZE_PATH) return;
      const socket = req.socket;
      if (this.open.has(socket)) return;
      this.open.add(socket);
      socket.once('close', () => {
        this.open.delete(socket);
        if (this.open.size > 0) return;
        const waiters = this.emptied;
        this.emptied = [];
        for (const w of waiters) w();
      });
    });
  }

  get size(): number {
    return this.open.size;
  }

  /** Resolves once no gateway connection is open, or after `ms`, whichever comes first. */
  closedOrAfter(ms: number): Promise<'closed' | 'deadline'> {
    if (this.open.size === 0) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.emptied = this.emptied.filter((w) => w !== onEmpty);
        resolve('deadline');
      }, ms);
      const onEmpty = (): void => {
        clearTimeout(timer);
        resolve('closed');
      };
      this.emptied.push(onEmpty);
    });
  }
}

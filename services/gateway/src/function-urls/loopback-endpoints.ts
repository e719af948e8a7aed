/**
 * Local mode's function URL endpoints (ADR 0021): one HTTP listener per URL on the loopback host,
 * on the port the record keeps, so the returned `http://127.0.0.1:<port>/` is callable as given
 * by fetch, curl or a browser, and stays the same across `lamina dev` restarts.
 *
 * Invariants: at most one listener per url id; a kept port that is taken at restart is replaced
 * by a fresh one (logged; the record is stored again with it); `stop` closes every listener.
 */
import { createServer, type Server } from 'node:http';

import type { FunctionUrlRecord } from '@lamina/core';
import type { Logger } from 'pino';

import { urlIdOfHost, type UrlEndpoints, type UrlRequestHandler } from './url-endpoints.js';

export interface LoopbackEndpointsOptions {
  /** The address listeners bind (the gateway's host, 127.0.0.1 by default). */
  readonly host: string;
  readonly region: string;
  readonly logger: Pick<Logger, 'warn'>;
  /** Applied to each new listener (the gateway's request limits). */
  readonly configure?: (server: Server) => void;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
    });
  });
}

export class LoopbackEndpoints implements UrlEndpoints {
  private readonly opts: LoopbackEndpointsOptions;
  private readonly servers = new Map<string, Server>();
  private readonly suffix: string;
  private handler: UrlRequestHandler | undefined;

  constructor(options: LoopbackEndpointsOptions) {
    this.opts = options;
    this.suffix = `.lambda-url.${options.region}.localhost`;
  }

  attach(handler: UrlRequestHandler): void {
    this.handler = handler;
  }

  async open(record: FunctionUrlRecord): Promise<FunctionUrlRecord> {
    const existing = this.servers.get(record.urlId);
    if (existing !== undefined) return record;
    const server = createServer((req, res) => {
      if (this.handler === undefined) {
        res.writeHead(503).end();
        return;
      }
      this.handler(record.urlId, req, res);
    });
    this.opts.configure?.(server);
    let port: number;
    try {
      port = await listen(server, record.port ?? 0, this.opts.host);
    } catch (err) {
      if (record.port === undefined) throw err;
      this.opts.logger.warn(
        { err, urlId: record.urlId, port: record.port },
        'the function URL port is taken; it gets a new one',
      );
      port = await listen(server, 0, this.opts.host);
    }
    this.servers.set(record.urlId, server);
    return { ...record, port };
  }

  urlOf(record: FunctionUrlRecord): string {
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `http://${host}:${String(record.port ?? 0)}/`;
  }

  async close(record: FunctionUrlRecord): Promise<void> {
    const server = this.servers.get(record.urlId);
    if (server === undefined) return;
    this.servers.delete(record.urlId);
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
  }

  idOfHost(host: string | undefined): string | undefined {
    return urlIdOfHost(host, this.suffix);
  }

  async stop(): Promise<void> {
    const ids = [...this.servers.keys()];
    await Promise.all(ids.map((urlId) => this.close({ urlId } as FunctionUrlRecord)));
  }
}

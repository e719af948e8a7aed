/**
 * Where a function URL answers, per mode (ADR 0021). Cluster: host-based routing on the
 * gateway's own listener, `<url-id>.lambda-url.<region>.<domain>` (an Ingress or a wildcard DNS
 * record brings that host to the gateway). Local: a listener per URL on the loopback host, so
 * `http://127.0.0.1:<port>/` works as given in any client; host-based routing works there too
 * under `localhost` for clients that resolve `*.localhost` (curl does; Node's fetch on Debian
 * does not, hence the ports).
 *
 * Invariant: `urlOf` is a pure function of the record (and the configuration), so every replica
 * and every restart returns the same URL for the same record.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { FunctionUrlRecord } from '@lamina/core';

/** Serves one request addressed to the URL with this id. */
export type UrlRequestHandler = (urlId: string, req: IncomingMessage, res: ServerResponse) => void;

export interface UrlEndpoints {
  /** Makes the record callable (local: binds its port) and returns it as it is to be stored. */
  open(record: FunctionUrlRecord): Promise<FunctionUrlRecord>;
  /** The FunctionUrl: ends with `/`, any path and query may be appended. */
  urlOf(record: FunctionUrlRecord): string;
  /** Stops answering for the record (local: closes its listener). */
  close(record: FunctionUrlRecord): Promise<void>;
  /** The url id a request on the gateway's listener names in its Host header, if any. */
  idOfHost(host: string | undefined): string | undefined;
  /** Set once by createApp: what serves requests that reach a URL. */
  attach(handler: UrlRequestHandler): void;
  stop(): Promise<void>;
}

export interface HostRoutingOptions {
  readonly region: string;
  /** `<id>.lambda-url.<region>.<domain>`. */
  readonly domain: string;
  /** Scheme of the returned URL (`https` behind a TLS-terminating Ingress). */
  readonly scheme?: 'http' | 'https';
  /** Appended to the host (`:8080`) when clients reach it on a non-default port. */
  readonly port?: number;
}

const URL_ID = /^[a-z0-9]{1,63}$/;

/** The url id of `<id>.lambda-url.<region>.<domain>[:port]`, else undefined. */
export function urlIdOfHost(host: string | undefined, suffix: string): string | undefined {
  // A Host no longer than the suffix (an API call's `127.0.0.1:9000`) names no URL: nothing built.
  if (host === undefined || host.length <= suffix.length) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  if (!name.endsWith(suffix)) return undefined;
  const id = name.slice(0, -suffix.length);
  return URL_ID.test(id) ? id : undefined;
}

/** Cluster mode: nothing to bind; the gateway's listener answers on the Host header. */
export class HostEndpoints implements UrlEndpoints {
  private readonly opts: HostRoutingOptions;
  private readonly suffix: string;

  constructor(options: HostRoutingOptions) {
    this.opts = options;
    this.suffix = `.lambda-url.${options.region}.${options.domain.toLowerCase()}`;
  }

  open(record: FunctionUrlRecord): Promise<FunctionUrlRecord> {
    return Promise.resolve(record);
  }

  urlOf(record: FunctionUrlRecord): string {
    const port = this.opts.port === undefined ? '' : `:${String(this.opts.port)}`;
    return `${this.opts.scheme ?? 'http'}://${record.urlId}${this.suffix}${port}/`;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  idOfHost(host: string | undefined): string | undefined {
    return urlIdOfHost(host, this.suffix);
  }

  attach(): void {
    // The app routes by Host itself; nothing listens here.
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}

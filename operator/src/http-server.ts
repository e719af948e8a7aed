import { createServer, type Server } from 'node:http';

import type { Registry } from 'prom-client';

export interface HttpServerOptions {
  readonly port: number;
  readonly registry: Registry;
  /** False while shutting down, so probes stop sending traffic. */
  readonly ready: () => boolean;
}

/** /healthz (process alive), /readyz (not shutting down) and /metrics. Not listening yet. */
export function createHttpServer(o: HttpServerOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ok = o.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'stopping');
    } else if (path === '/metrics') {
      o.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': o.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
}

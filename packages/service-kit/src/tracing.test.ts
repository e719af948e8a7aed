import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import { describe, expect, it } from 'vitest';

import { createTracing, TRACING_OFF, tracingConfig } from './tracing.js';

describe('tracingConfig', () => {
  it('is off by default and with exporter none or the SDK disabled', () => {
    expect(tracingConfig({}, 'svc')).toBeUndefined();
    expect(tracingConfig({ OTEL_TRACES_EXPORTER: 'none' }, 'svc')).toBeUndefined();
    expect(
      tracingConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, 'svc'),
    ).toBeUndefined();
    expect(
      tracingConfig(
        { OTEL_TRACES_EXPORTER: 'console', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' },
        'svc',
      ),
    ).toBeUndefined();
  });

  it('is on with an OTLP endpoint or exporter otlp, and names the service', () => {
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'svc')).toEqual({
      serviceName: 'svc',
      tracesUrl: 'http://c:4318/v1/traces',
    });
    expect(
      tracingConfig(
        {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/x',
          OTEL_SERVICE_NAME: 'mine',
        },
        'svc',
      ),
    ).toEqual({ serviceName: 'mine', tracesUrl: 'http://t:1/x' });
    expect(tracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' }, 'svc')?.tracesUrl).toBe(
      'http://localhost:4318/v1/traces',
    );
  });
});

describe('createTracing', () => {
  it('off: one shared no-op span, nothing allocated per call', async () => {
    const tracing = await createTracing({}, 'svc');
    expect(tracing).toBe(TRACING_OFF);
    const a = tracing.startSpan('a');
    expect(tracing.startSpan('b', { kind: 'server' })).toBe(a);
    expect(a.position).toBeUndefined();
  });

  it('on: exports spans with the given parent over OTLP/HTTP', async () => {
    const bodies: string[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        bodies.push(`${req.url ?? ''} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const tracing = await createTracing(
        { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${String(port)}` },
        'lamina-test',
      );
      expect(tracing.enabled).toBe(true);
      const parent = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), sampled: true };
      const span = tracing.startSpan('Invoke', { parent, kind: 'server' });
      expect(span.position?.traceId).toBe(parent.traceId);
      expect(span.position?.spanId).not.toBe(parent.spanId);
      span.end();
      await tracing.shutdown();
      const sent = bodies.join('\n');
      expect(sent).toContain('/v1/traces');
      expect(sent).toContain('lamina-test');
      expect(sent).toContain('Invoke');
    } finally {
      server.close();
    }
  }, 30_000); // loading the SDK takes seconds on a loaded machine
});

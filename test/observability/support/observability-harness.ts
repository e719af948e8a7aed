/**
 * A collector and a Prometheus per suite, from the test environment's binaries
 * ($LAMINA_TEST_BIN/otelcol, prometheus, promtool: test/env/lib/observability.sh), each on free
 * loopback ports with its own config and data in a temporary folder, so parallel suites never
 * read each other's spans or scrape each other's processes.
 *
 * Invariants: `stop()` is idempotent and deletes the folder; spans are read from the collector's
 * file exporter (OTLP JSON, one export request per line) and flattened to one object per span.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { eventually, testEnv } from '@lamina/testkit';

export const binary = (name: 'otelcol' | 'prometheus' | 'promtool'): string =>
  join(testEnv.require('LAMINA_TEST_BIN'), name);

/** A port the OS just handed out (free unless someone takes it in between). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

interface Running {
  readonly dir: string;
  readonly logs: () => string;
  stop(): Promise<void>;
}

function run(command: string, args: string[], dir: string): Running {
  let out = '';
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    dir,
    logs: () => out,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

export interface Span {
  readonly service: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface Collector {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for the services (OTLP/HTTP). */
  readonly endpoint: string;
  spans(): Span[];
  logs(): string;
  stop(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpLine {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: AnyValue }[] };
    scopeSpans?: {
      spans?: {
        name: string;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        attributes?: { key: string; value: AnyValue }[];
      }[];
    }[];
  }[];
}

const valueOf = (v: AnyValue): string | number | boolean =>
  v.stringValue ?? v.boolValue ?? v.doubleValue ?? Number(v.intValue ?? 0);

/** A collector listening on `host` (default loopback; a cluster suite gives the node's bridge IP). */
export async function startCollector(host = '127.0.0.1'): Promise<Collector> {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-otelcol-'));
  const port = await freePort();
  const file = join(dir, 'spans.jsonl');
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      `      http: { endpoint: "${host}:${String(port)}" }`,
      'exporters:',
      `  file: { path: "${file}", flush_interval: 100ms }`,
      'service:',
      '  telemetry:',
      '    logs: { level: warn }',
      '    metrics: { level: none }',
      '  pipelines:',
      '    traces: { receivers: [otlp], exporters: [file] }',
      '',
    ].join('\n'),
  );
  const proc = run(binary('otelcol'), ['--config', config], dir);
  const endpoint = `http://${host}:${String(port)}`;
  await eventually(
    async () => {
      // Any HTTP answer means the receiver listens (GET on the traces path is 405).
      await fetch(`${endpoint}/v1/traces`);
      return true;
    },
    { what: `the collector on ${endpoint} (${proc.logs()})`, timeoutMs: 30_000, intervalMs: 200 },
  );
  return {
    endpoint,
    logs: () => proc.logs(),
    stop: () => proc.stop(),
    spans: () => {
      if (!existsSync(file)) return [];
      const spans: Span[] = [];
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const data = JSON.parse(line) as OtlpLine;
        for (const rs of data.resourceSpans ?? []) {
          const service = String(
            valueOf(rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value ?? {}),
          );
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              spans.push({
                service,
                name: s.name,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                attributes: Object.fromEntries(
                  (s.attributes ?? []).map((a) => [a.key, valueOf(a.value)]),
                ),
              });
            }
          }
        }
      }
      return spans;
    },
  };
}

export interface Prometheus {
  readonly url: string;
  /** Instant query; the result vector (empty when the expression has no data). */
  query(expr: string): Promise<unknown[]>;
  logs(): string;
  stop(): Promise<void>;
}

/** Prometheus scraping `targets` (host:port, path /metrics) every second, with `ruleFiles`. */
export async function startPrometheus(
  targets: readonly string[],
  ruleFiles: readonly string[] = [],
): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-prometheus-'));
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ruleFiles,
      scrape_configs: [{ job_name: 'lamina', static_configs: [{ targets }] }],
    }),
  );
  const url = `http://127.0.0.1:${String(port)}`;
  const proc = run(
    binary('prometheus'),
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
    ],
    dir,
  );
  await eventually(
    async () => {
      const res = await fetch(`${url}/-/ready`);
      if (!res.ok) throw new Error(`HTTP ${String(res.status)}`);
      return true;
    },
    {
      what: `Prometheus on ${url} (${proc.logs().slice(-2000)})`,
      timeoutMs: 60_000,
      intervalMs: 250,
    },
  );
  return {
    url,
    logs: () => proc.logs(),
    stop: () => proc.stop(),
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data?: { result: unknown[] };
      };
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? res.status}`);
      return body.data?.result ?? [];
    },
  };
}

import { Agent, request } from 'node:http';

/** A closed-loop HTTP load generator: `concurrency` callers, each sending its next request when the last one is answered. */
export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly body: string;
  readonly concurrency: number;
  /** Stop after this many requests … */
  readonly requests?: number;
  /** … or after this many milliseconds. */
  readonly durationMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The status a request must get not to count as an error (200; an Event invoke's is 202). */
  readonly expectStatus?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

function once(
  agent: Agent,
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        headers,
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const url = new URL(o.url);
  const body = Buffer.from(o.body);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    ...o.headers,
  };
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const start = performance.now();
  const stopAt = o.durationMs === undefined ? Infinity : start + o.durationMs;
  const limit = o.requests ?? Infinity;
  const expected = o.expectStatus ?? 200;
  const caller = async (): Promise<void> => {
    while (sent < limit && performance.now() < stopAt) {
      sent++;
      const t = performance.now();
      try {
        const status = await once(agent, url, body, headers);
        if (status !== expected) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, caller));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/**
 * Lambda's ProvisionedConcurrentExecutions and ProvisionedConcurrencyUtilization (issue #22 item
 * 2, ADR 0041), read on each scrape from what the gateway knows: the provisioned concurrency
 * allocated per version (the provisioner's targets) and the invocations of that version in
 * progress through this gateway (`lamina_concurrent_executions`).
 *
 * Invariants: Lambda serves a version's calls on its provisioned environments first and spills
 * over only when all are busy, so the provisioned executions are min(in progress, allocated);
 * a version without allocation has no series; a version whose allocation returns to 0 loses its
 * series at the next scrape (cardinality follows the configs that exist).
 */
import { Gauge, type Registry } from 'prom-client';

const key = (fn: string, version: string): string => `${fn}\0${version}`;

/** Provisioned concurrency allocated per function version. */
export class ProvisionedAllocations {
  private readonly counts = new Map<string, { fn: string; version: string; count: number }>();

  set(fn: string, version: string, count: number): void {
    if (count > 0) this.counts.set(key(fn, version), { fn, version, count });
    else this.counts.delete(key(fn, version));
  }

  get(fn: string, version: string): number {
    return this.counts.get(key(fn, version))?.count ?? 0;
  }

  /** A reader of one version's allocation, its key built once (the invoke path calls it). */
  reader(fn: string, version: string): () => number {
    const k = key(fn, version);
    return () => this.counts.get(k)?.count ?? 0;
  }

  all(): readonly { fn: string; version: string; count: number }[] {
    return [...this.counts.values()];
  }
}

interface InFlight {
  get(): Promise<{ values: { value: number; labels: Partial<Record<string, string | number>> }[] }>;
}

/** The two per-version gauges, each computed on its own collect (a scrape reads both). */
export function registerProvisionedMetrics(
  registry: Registry,
  allocations: ProvisionedAllocations,
  inFlight: InFlight,
): void {
  const running = async (): Promise<{ fn: string; version: string; n: number; of: number }[]> => {
    const busy = new Map<string, number>();
    for (const v of (await inFlight.get()).values) {
      const k = key(String(v.labels['function']), String(v.labels['version']));
      busy.set(k, (busy.get(k) ?? 0) + v.value);
    }
    return allocations.all().map((a) => ({
      fn: a.fn,
      version: a.version,
      n: Math.min(busy.get(key(a.fn, a.version)) ?? 0, a.count),
      of: a.count,
    }));
  };
  const gauge = (name: string, help: string, value: (n: number, of: number) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['function', 'version'],
      registers: [registry],
      async collect() {
        const now = await running();
        this.reset();
        for (const r of now) this.labels(r.fn, r.version).set(value(r.n, r.of));
      },
    });
  };
  gauge(
    'lamina_provisioned_concurrent_executions',
    'Invocations in progress on provisioned concurrency: min(in progress, allocated), per version.',
    (n) => n,
  );
  gauge(
    'lamina_provisioned_concurrency_utilization',
    'Provisioned concurrent executions divided by the provisioned concurrency allocated.',
    (n, of) => n / of,
  );
}

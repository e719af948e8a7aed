import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import { ProvisionedAllocations } from './provisioned/provisioned-metrics.js';

/**
 * `resource` is Lambda's Resource dimension: what the caller invoked — the function name
 * (unqualified), or `name:$LATEST`, `name:<version>`, `name:<alias>`; `version` is the version
 * that ran. Cardinality stays bounded: a qualifier that names no version or alias never gets
 * this far (404 first), so only existing versions and aliases get series.
 */
const LABELS = ['function', 'version', 'resource'] as const;
export type Label = (typeof LABELS)[number];

/**
 * One counter or gauge series the invoke path updates as a plain number — no label hashing,
 * validation or result object per call, as prom-client's `inc` makes — and that its metric
 * reads when scraped (`collect`). A counter's cell holds what prom-client has not been given
 * yet; a gauge's holds the level itself.
 */
export class SeriesCell {
  value = 0;
  /** A gauge series exists once its cell was moved (as prom-client's did on its first inc). */
  used = false;

  constructor(readonly labels: Readonly<Record<Label, string>>) {}

  inc(): void {
    this.value++;
    this.used = true;
  }

  dec(): void {
    this.value--;
    this.used = true;
  }
}

/** The cells of one metric by label set; a label set keeps its cell for the process. */
export class SeriesCells {
  private readonly cells = new Map<string, SeriesCell>();

  of(fn: string, version: string, resource: string): SeriesCell {
    const key = `${fn}\0${version}\0${resource}`;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = new SeriesCell({ function: fn, version, resource });
      this.cells.set(key, cell);
    }
    return cell;
  }

  values(): IterableIterator<SeriesCell> {
    return this.cells.values();
  }
}

/** A counter fed from cells: each scrape hands it what they counted since the last one. */
function cellCounter(
  cells: SeriesCells,
  config: { name: string; help: string; registers: Registry[] },
): Counter<Label> {
  return new Counter({
    ...config,
    labelNames: LABELS,
    collect() {
      for (const cell of cells.values()) {
        if (cell.value === 0) continue;
        this.inc(cell.labels, cell.value);
        cell.value = 0;
      }
    },
  });
}

/** The cells of the counters and gauge the invoke path moves on every call. */
export interface InvokeCells {
  readonly invocations: SeriesCells;
  readonly concurrentExecutions: SeriesCells;
}

/** Lambda's invocation metrics (reference §10), labelled by function, version and resource. */
export interface GatewayMetrics {
  /** What the invoke path counts per call in plain numbers (read by the two metrics on scrape). */
  readonly cells: InvokeCells;
  /** Handler runs, function errors included; throttled and rejected calls excluded. */
  readonly invocations: Counter<Label>;
  /** Function errors: handler errors, timeouts, crashes. */
  readonly functionErrors: Counter<Label>;
  /** 429 answers of admission. */
  readonly throttles: Counter<Label>;
  readonly duration: Histogram<Label>;
  /** Invocations in progress in this gateway process. */
  readonly concurrentExecutions: Gauge<Label>;
  readonly coldStarts: Counter<Label>;
  readonly initDuration: Histogram<Label>;
  /** ProvisionedConcurrencyInvocations: runs on a provisioned-concurrency environment. */
  readonly provisionedInvocations: Counter<Label>;
  /**
   * ProvisionedConcurrencySpilloverInvocations: runs of a version with provisioned concurrency
   * allocated that an on-demand environment served.
   */
  readonly provisionedSpillover: Counter<Label>;
  /** Provisioned concurrency allocated per version (the provisioner keeps it current). */
  readonly allocations: ProvisionedAllocations;
}

/** Creates the metrics in the given registry (one per process; never the global one). */
export function createMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const cells: InvokeCells = {
    invocations: new SeriesCells(),
    concurrentExecutions: new SeriesCells(),
  };
  return {
    cells,
    invocations: cellCounter(cells.invocations, {
      name: 'lamina_invocations_total',
      help: 'Function invocations, including those that ended in a function error.',
      registers,
    }),
    functionErrors: new Counter({
      name: 'lamina_function_errors_total',
      help: 'Invocations that ended in a function error (handler error, timeout, crash).',
      labelNames: LABELS,
      registers,
    }),
    throttles: new Counter({
      name: 'lamina_throttles_total',
      help: 'Invocations refused with 429 TooManyRequestsException.',
      labelNames: LABELS,
      registers,
    }),
    duration: new Histogram({
      name: 'lamina_invocation_duration_seconds',
      help: 'Handler duration as the execution environment measured it.',
      labelNames: LABELS,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers,
    }),
    concurrentExecutions: new Gauge({
      name: 'lamina_concurrent_executions',
      help: 'Invocations in progress through this gateway.',
      labelNames: LABELS,
      registers,
      collect() {
        for (const cell of cells.concurrentExecutions.values())
          if (cell.used) this.set(cell.labels, cell.value);
      },
    }),
    coldStarts: new Counter({
      name: 'lamina_cold_starts_total',
      help: 'Invocations that had to start a new execution environment.',
      labelNames: LABELS,
      registers,
    }),
    initDuration: new Histogram({
      name: 'lamina_init_duration_seconds',
      help: 'Init phase duration of new execution environments.',
      labelNames: LABELS,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    provisionedInvocations: new Counter({
      name: 'lamina_provisioned_concurrency_invocations_total',
      help: 'Invocations run on provisioned-concurrency environments.',
      labelNames: LABELS,
      registers,
    }),
    provisionedSpillover: new Counter({
      name: 'lamina_provisioned_concurrency_spillover_invocations_total',
      help: 'Invocations of a version with provisioned concurrency that ran on-demand environments.',
      labelNames: LABELS,
      registers,
    }),
    allocations: new ProvisionedAllocations(),
  };
}

/**
 * Lambda's UnreservedConcurrentExecutions: live leases drawn from the account's unreserved pool,
 * read from admission's Redis counts on each scrape (account-wide: every gateway replica reports
 * the same number, so dashboards take max, not sum).
 */
export function registerAdmissionMetrics(
  registry: Registry,
  admission: { unreservedInFlight(): Promise<number> },
): void {
  new Gauge({
    name: 'lamina_unreserved_concurrent_executions',
    help: 'Invocations in progress, account-wide, of functions without reserved concurrency.',
    registers: [registry],
    async collect() {
      try {
        this.set(await admission.unreservedInFlight());
      } catch {
        // Redis away (stopping): the last value stands rather than failing the whole scrape.
      }
    },
  });
}

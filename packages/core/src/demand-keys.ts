/**
 * Redis layout of scaling demand (ADR 0017), shared by the processes that carry calls and report
 * it (gateway, dispatcher, poller) and the operator's autoscaler that reads it. Every key carries
 * the `{demand}` hash tag, so a Redis Cluster keeps them in one slot and a report is one `MULTI`.
 * Layout version 1.
 *
 * - `r:<reporterId>` hash target → counts (`encodeDemandCounts`): one reporter's whole view,
 *   rewritten every report and expiring `ttlMs` later, so a crashed reporter's demand vanishes
 *   by Redis' own clock
 * - `reporters`      sorted set of reporter ids, scored by the reporter's clock at its last report
 *                    (enumeration only: an id whose hash expired counts nothing)
 * - `active`         sorted set target → last time (epoch ms) demand was seen, raised only (`GT`)
 * - `wake`           pub/sub channel: `encodeWake` messages for a call held with no environment
 *
 * A target is `<namespace>/<function>/<version>`, version `$LATEST` or a number. Pure: the
 * writers send `demandReportCommands`' commands; no I/O here.
 */
export const DEMAND_LAYOUT_VERSION = 1;

/** How often a reporter rewrites its hash, and how long the hash outlives a silent reporter. */
export const DEMAND_REPORT = { intervalMs: 1000, ttlMs: 5000 } as const;

export interface DemandKeys {
  readonly reporter: (reporterId: string) => string;
  readonly reporters: string;
  readonly active: string;
  readonly wake: string;
}

export function demandKeys(prefix = 'lamina'): DemandKeys {
  const base = `${prefix}:v${DEMAND_LAYOUT_VERSION}:{demand}`;
  return {
    reporter: (id) => `${base}:r:${id}`,
    reporters: `${base}:reporters`,
    active: `${base}:active`,
    wake: `${base}:wake`,
  };
}

/** One function version in one namespace: what a worker Deployment serves. */
export interface DemandTarget {
  readonly namespace: string;
  readonly functionName: string;
  /** `$LATEST` or a published version number. */
  readonly version: string;
}

/**
 * What one reporter sees of one version, each a count of environments it could use now:
 * calls running, calls held for an environment, async events ready to start (≤ the dispatcher's
 * free workers), Kafka partitions with unconsumed records.
 */
export interface DemandCounts {
  readonly inFlight: number;
  readonly waiting: number;
  readonly asyncDepth: number;
  readonly kafkaLag: number;
}

export const NO_DEMAND: DemandCounts = Object.freeze({
  inFlight: 0,
  waiting: 0,
  asyncDepth: 0,
  kafkaLag: 0,
});

const PART = /^[^\s/]+$/;
const VERSION = /^(\$LATEST|[1-9][0-9]*)$/;

export function encodeDemandTarget(t: DemandTarget): string {
  if (!PART.test(t.namespace) || !PART.test(t.functionName) || !VERSION.test(t.version)) {
    throw new TypeError(`not a demand target: ${JSON.stringify(t)}`);
  }
  return `${t.namespace}/${t.functionName}/${t.version}`;
}

/** The target of an encoded one; undefined for anything else (a newer layout, garbage). */
export function decodeDemandTarget(text: string): DemandTarget | undefined {
  const parts = text.split('/');
  if (parts.length !== 3) return undefined;
  const [namespace = '', functionName = '', version = ''] = parts;
  if (!PART.test(namespace) || !PART.test(functionName) || !VERSION.test(version)) return undefined;
  return { namespace, functionName, version };
}

const COUNT_FIELDS = ['inFlight', 'waiting', 'asyncDepth', 'kafkaLag'] as const;

/** `inFlight waiting asyncDepth kafkaLag` as non-negative integers. */
export function encodeDemandCounts(c: DemandCounts): string {
  return COUNT_FIELDS.map((f) => {
    const n = c[f];
    if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`${f} must be a count, got ${n}`);
    return String(n);
  }).join(' ');
}

/** Counts of an encoded value; undefined when malformed. Extra trailing fields are ignored. */
export function decodeDemandCounts(text: string): DemandCounts | undefined {
  const parts = text.split(' ');
  if (parts.length < COUNT_FIELDS.length) return undefined;
  const values = parts
    .slice(0, COUNT_FIELDS.length)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (values.some((v) => !Number.isSafeInteger(v))) return undefined;
  const [inFlight = 0, waiting = 0, asyncDepth = 0, kafkaLag = 0] = values;
  return { inFlight, waiting, asyncDepth, kafkaLag };
}

/** Environments the counts ask for: one per unit of each signal. */
export function demandTotal(c: DemandCounts): number {
  return c.inFlight + c.waiting + c.asyncDepth + c.kafkaLag;
}

export function addDemand(a: DemandCounts, b: DemandCounts): DemandCounts {
  return {
    inFlight: a.inFlight + b.inFlight,
    waiting: a.waiting + b.waiting,
    asyncDepth: a.asyncDepth + b.asyncDepth,
    kafkaLag: a.kafkaLag + b.kafkaLag,
  };
}

/** A Redis command as ioredis' `multi([...])` takes it. */
export type RedisCommand = readonly [string, ...(string | number)[]];

/**
 * The commands of one report, to send in one `MULTI`: replace the reporter's hash with what it
 * sees now (targets with no demand are left out), renew its expiry, list the reporter, and raise
 * `active` for every target with demand. `nowMs` is the reporter's clock; only `active` and the
 * `reporters` scores use it (a skew shifts the idle window by the skew, nothing else).
 */
export function demandReportCommands(
  keys: DemandKeys,
  reporterId: string,
  entries: Iterable<readonly [DemandTarget, DemandCounts]>,
  nowMs: number,
  ttlMs: number = DEMAND_REPORT.ttlMs,
): RedisCommand[] {
  if (!PART.test(reporterId)) throw new TypeError(`not a reporter id: ${reporterId}`);
  const key = keys.reporter(reporterId);
  const fields: string[] = [];
  const active: (string | number)[] = [];
  for (const [target, counts] of entries) {
    if (demandTotal(counts) === 0) continue;
    const t = encodeDemandTarget(target);
    fields.push(t, encodeDemandCounts(counts));
    active.push(nowMs, t);
  }
  const commands: RedisCommand[] = [['del', key]];
  if (fields.length > 0) {
    commands.push(['hset', key, ...fields], ['pexpire', key, ttlMs]);
    commands.push(['zadd', keys.active, 'GT', ...active]);
  }
  commands.push(['zadd', keys.reporters, nowMs, reporterId]);
  return commands;
}

/** A cold call's signal: the target and how many calls this reporter now holds for it. */
export interface Wake {
  readonly target: DemandTarget;
  readonly waiting: number;
}

export function encodeWake(w: Wake): string {
  if (!Number.isSafeInteger(w.waiting) || w.waiting < 1) {
    throw new TypeError(`a wake carries at least one waiting call, got ${w.waiting}`);
  }
  return `${encodeDemandTarget(w.target)} ${w.waiting}`;
}

export function decodeWake(text: string): Wake | undefined {
  const [t = '', n = '', ...rest] = text.split(' ');
  const target = decodeDemandTarget(t);
  if (target === undefined || rest.length > 0 || !/^[1-9]\d*$/.test(n)) return undefined;
  const waiting = Number(n);
  return Number.isSafeInteger(waiting) ? { target, waiting } : undefined;
}

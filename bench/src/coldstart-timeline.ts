/**
 * Where a cold call from zero spends its time in cluster mode (issue #15): after the call, the
 * version's pod is read back and each step is placed on the call's own clock, in ms from the
 * moment the caller sent the invoke — pod created (the autoscaler scaled the Deployment and the
 * ReplicaSet made the pod), scheduled, container started, agent listening, its code in place
 * (fetched, checked, unpacked), the runtime initialised at start (the agent is ready), Ready (the
 * readiness probe passed and the kubelet reported it), and the answer. Also what makes a sample
 * start from a true zero (`trueZero`) and the node's refusals (`failedScheduling`).
 *
 * Invariants: Kubernetes condition and status times have whole-second precision (so those steps
 * are ±1 s); the agent's line uses the container runtime's log timestamp (sub-millisecond). The
 * node's kubelet runs on this host, so both clocks are the same clock. A step that cannot be read
 * is left out, never guessed.
 */
import { eventually } from '@lamina/testkit';

import { stats, type Stats } from './coldstart-pool.js';

export type Kubectl = (args: readonly string[]) => Promise<string>;

export interface Timeline {
  readonly podCreated?: number;
  readonly scheduled?: number;
  readonly containerStarted?: number;
  readonly agentListening?: number;
  /** The agent's code fetch (checked and unpacked) ended. */
  readonly codeInPlace?: number;
  /** Init at start ended: the agent turns ready (the gateway's /readyz poll sees it next). */
  readonly initialised?: number;
  readonly ready?: number;
  readonly answered: number;
}

interface PodJson {
  metadata: { name: string; creationTimestamp?: string };
  status?: {
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: { state?: { running?: { startedAt?: string } } }[];
  };
}

const at = (iso: string | undefined, t0: number): number | undefined =>
  iso === undefined ? undefined : Date.parse(iso) - t0;

/** The pods of `ns` with the label selector `selector`. */
async function podsWith<T>(kubectl: Kubectl, ns: string, selector: string): Promise<T[]> {
  const out = await kubectl(['get', 'pods', '-n', ns, '-l', selector, '-o', 'json']);
  return (JSON.parse(out) as { items: T[] }).items;
}

/** The one pod of `<fn>` in `ns`, and the log timestamp of its first line holding a text. */
async function podOf(
  kubectl: Kubectl,
  ns: string,
  fn: string,
): Promise<{ pod: PodJson; lineAt: (text: string) => string | undefined } | undefined> {
  const [pod] = await podsWith<PodJson>(kubectl, ns, `lamina.dev/function=${fn}`);
  if (pod === undefined) return undefined;
  const logs = await kubectl(['logs', '-n', ns, pod.metadata.name, '--timestamps']).catch(() => '');
  const lines = logs.split('\n');
  return { pod, lineAt: (text) => lines.find((l) => l.includes(text))?.split(' ')[0] };
}

/** Reads the one pod of `<fn>` in `ns` and places its steps relative to `t0` (epoch ms). */
export async function timelineOf(
  kubectl: Kubectl,
  ns: string,
  fn: string,
  t0: number,
  answeredMs: number,
): Promise<Timeline> {
  const found = await podOf(kubectl, ns, fn);
  if (found === undefined) return { answered: answeredMs };
  const { pod, lineAt } = found;
  const cond = (type: string): string | undefined =>
    pod.status?.conditions?.find((c) => c.type === type && c.status === 'True')?.lastTransitionTime;
  const t: Record<string, number | undefined> = {
    podCreated: at(pod.metadata.creationTimestamp, t0),
    scheduled: at(cond('PodScheduled'), t0),
    containerStarted: at(pod.status?.containerStatuses?.[0]?.state?.running?.startedAt, t0),
    agentListening: at(lineAt('worker agent listening'), t0),
    codeInPlace: at(lineAt('code package in place'), t0),
    initialised: at(lineAt('runtime initialised at start'), t0),
    ready: at(cond('Ready'), t0),
  };
  return {
    ...Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)),
    answered: answeredMs,
  };
}

/**
 * Where a cold call from the warm pool spends its time (issue #15): the pool gateway's specialise
 * request (sent, answered: its log line) and the specialised pod's agent lines placed on the
 * call's clock (ms from the invoke) — the specialisation done (code fetched, checked, unpacked),
 * the call's environment taking the pod's parked runtime — and whether the
 * parked runtime was there to take (`parked`: false when the pod had given it up and spawned its
 * runtime fresh, which costs Node.js's start inside the call).
 */
export interface PoolTimeline {
  /** The pool's gateway sent the specialise request (its log line's time less specializeMs). */
  readonly specialiseSent?: number;
  /** The pool's gateway had the agent's answer. */
  readonly specialiseAnswered?: number;
  readonly specialised?: number;
  readonly runtimeTaken?: number;
  readonly answered: number;
  readonly parked: boolean;
  /** The specialised pod's name. */
  readonly pod?: string;
  /** The pod's CPU during the sample (cpu.stat read before and after the call): used, throttled. */
  readonly cpuMs?: number;
  readonly throttledMs?: number;
  readonly throttledPeriods?: number;
}

export async function poolTimelineOf(
  kubectl: Kubectl,
  ns: string,
  fn: string,
  t0: number,
  answeredMs: number,
  gatewayLogs: string,
): Promise<PoolTimeline> {
  const found = await podOf(kubectl, ns, fn);
  if (found === undefined) return { answered: answeredMs, parked: false };
  const lineAt = (text: string): number | undefined => at(found.lineAt(text), t0);
  const served = gatewayLogs
    .split('\n')
    .filter((l) => l.includes('"specializeMs"') && l.includes(`"function":"${fn}"`))
    .map((l) => JSON.parse(l) as { time?: number; specializeMs?: number })[0];
  const answeredAt = served?.time === undefined ? undefined : served.time - t0;
  const t: Record<string, number | undefined> = {
    specialiseSent:
      answeredAt === undefined || served?.specializeMs === undefined
        ? undefined
        : answeredAt - served.specializeMs,
    specialiseAnswered: answeredAt,
    specialised: lineAt('specialised: serving this version'),
    runtimeTaken: lineAt('parked runtime taken'),
  };
  return {
    ...Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)),
    answered: answeredMs,
    parked: t['runtimeTaken'] !== undefined,
    pod: found.pod.metadata.name,
  };
}

const TIMELINE_STEPS: readonly (keyof Timeline)[] = [
  'podCreated',
  'scheduled',
  'containerStarted',
  'agentListening',
  'codeInPlace',
  'initialised',
  'ready',
  'answered',
];

/** p50/p95/... of each step (default: a from-zero Timeline's) over the samples. */
export function timelineStats<T extends object>(
  samples: readonly T[],
  steps: readonly (keyof T & string)[] = TIMELINE_STEPS as readonly (keyof T & string)[],
): Record<string, Stats> {
  const valuesOf = (s: keyof T): number[] =>
    samples.flatMap((x) => (typeof x[s] === 'number' ? [x[s]] : []));
  return Object.fromEntries(steps.map((s) => [s, stats(valuesOf(s))]));
}

/** A pod's CPU counters (its container's cgroup, v1 or v2), in ms. */
export interface PodCpu {
  readonly usageMs: number;
  readonly throttledMs: number;
  readonly throttledPeriods: number;
}

/** The container's CPU files: cgroup v2's cpu.stat, or v1's cpu.stat and cpuacct.usage. */
const CPU_FILES = [
  '/sys/fs/cgroup/cpu.stat',
  '/sys/fs/cgroup/cpu/cpu.stat',
  '/sys/fs/cgroup/cpuacct/cpuacct.usage',
];

/** Reads a pod's CPU counters through `kubectl exec` (undefined when it cannot). */
export async function podCpu(
  kubectl: Kubectl,
  ns: string,
  pod: string,
): Promise<PodCpu | undefined> {
  const script = `for f in ${CPU_FILES.join(' ')}; do [ -r $f ] && echo "$f $(tr '\\n' ' ' < $f)"; done; true`;
  const out = await kubectl(['exec', '-n', ns, pod, '--', 'sh', '-c', script]).catch(() => '');
  const field = (name: string): number | undefined => {
    const m = new RegExp(`\\b${name} (\\d+)`).exec(out);
    return m === null ? undefined : Number(m[1]);
  };
  const v2 = [field('usage_usec'), field('throttled_usec')];
  const v1Usage = /cpuacct\.usage (\d+)/.exec(out)?.[1];
  const [usageUs, throttledUs] =
    v2[0] !== undefined
      ? v2
      : [
          v1Usage === undefined ? undefined : Number(v1Usage) / 1000,
          (field('throttled_time') ?? Number.NaN) / 1000,
        ];
  const periods = field('nr_throttled');
  if (usageUs === undefined || throttledUs === undefined || periods === undefined) return undefined;
  if (Number.isNaN(throttledUs)) return undefined;
  return { usageMs: usageUs / 1000, throttledMs: throttledUs / 1000, throttledPeriods: periods };
}

/** The ready generic pods of a namespace, by name. */
export async function genericPodNames(kubectl: Kubectl, ns: string): Promise<string[]> {
  return (await podsWith<PodItem>(kubectl, ns, 'lamina.dev/pool=generic'))
    .filter((p) => p.metadata.deletionTimestamp === undefined)
    .map((p) => p.metadata.name);
}

interface PodItem {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
}

/**
 * A true zero for the next sample: no pod in the namespace but the warm pool's generic ones, and
 * none terminating (a terminating pod still holds its CPU request on the node). Resolves with
 * how long that took.
 */
export async function trueZero(kubectl: Kubectl, ns: string): Promise<number> {
  const started = performance.now();
  await eventually(
    async () => {
      const out = await kubectl(['get', 'pods', '-n', ns, '-o', 'json']);
      const pods = (JSON.parse(out) as { items: PodItem[] }).items;
      return pods.every(
        (p) =>
          p.metadata.deletionTimestamp === undefined &&
          p.metadata.labels?.['lamina.dev/pool'] === 'generic',
      );
    },
    { what: `no function pods left in ${ns}`, timeoutMs: 300_000, intervalMs: 100 },
  );
  return performance.now() - started;
}

/** FailedScheduling events in the namespace (each pod that waited for room on the node). */
export async function failedScheduling(kubectl: Kubectl, ns: string): Promise<number> {
  const out = await kubectl([
    'get',
    'events',
    '-n',
    ns,
    '--field-selector',
    'reason=FailedScheduling',
    '-o',
    'json',
  ]).catch(() => '{"items":[]}');
  return (JSON.parse(out) as { items: unknown[] }).items.length;
}

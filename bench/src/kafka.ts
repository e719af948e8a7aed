import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { encodeKafkaEvent, isJsonText, type KafkaBatchInput, kafkaEvent } from '@lamina/core';
import { consumerConfig, loadConfig as loadPollerConfig } from '@lamina/poller';
import {
  eventually,
  type LaminaProcess,
  type StartLaminaOptions,
  testEnv,
  uniqueName,
} from '@lamina/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';

import { cpuOfMainThread, cpuOfPid, cpuOfTree, selfCpu } from './cpu-usage.js';

/**
 * bench/kafka: records per second from a Kafka topic through the poller into a batch handler
 * (lamina dev, poller in-process, sync invokes through the gateway, commit after success),
 * against kafkajs' own raw consume rate (eachBatch, no work) on the same topic in the same run.
 *
 * Both sides consume the topic from the beginning with a new consumer group and the poller's
 * own kafkajs settings (`consumerConfig` of @lamina/poller; kafkajs at their largest fetch, 10 MiB
 * per partition and 80 MiB per fetch, its best), and both are timed the same way: from the moment the consumer joined its group (the
 * kafkajs GROUP_JOIN event; the poller's "joined the consumer group" log line, which that event
 * writes) to the last hand-off of records to user code (kafkajs: eachBatch is called; Lamina:
 * the handler runs, its clock appended to a file). The window holds every fetch, kafkajs'
 * decoding of every record and, for Lamina, every invoke; the group join before it and the final
 * commit after it are outside it for both. (Until ADR 0054 the window began at the first
 * hand-off: kafkajs decodes a whole fetch before its first eachBatch, and one fetch held most of
 * the topic, so the raw side's window held ~no decoding and its rate was the speed of handing
 * decoded batches over — 0.35–1.36 M records/s between runs. It is still reported, as
 * `fromFirstHandOff`.)
 *
 * The target batch size (the first of --batch-sizes, 1,000) is measured in interleaved rounds —
 * raw, then the --before checkout and this tree taking turns to go first — and each side's
 * median counts; the ratio is also
 * taken per round (Lamina over the raw run just before it) and its median reported, which a
 * load that drifts during the bench moves least; every round's rates, ratios and load average
 * are written too (`roundsAtTargetBatchSize`, and a line per round at the end), so a reader sees
 * the spread the medians summarise. The other batch sizes run once per tree.
 * Beside the rates, CPU per 1,000 records from /proc (not inflated by a busy machine the way
 * wall-clock rates are): the lamina process (poller, gateway, Runtime API), its main thread,
 * its runtimes; for raw, this process while it consumed. First, in this process, the CPU of
 * encoding one 1,000-record event (the poller's `encodeKafkaEvent`, the --before checkout's,
 * and `JSON.stringify(kafkaEvent(…))`) and of the gateway's JSON check of that body
 * (`JSON.parse` against core's `isJsonText`), interleaved rounds; `--encode-only` stops after it.
 * LAMINA_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each lamina process there. Writes
 * bench/results/kafka.json.
 *
 *   KAFKA_BROKERS=… REDIS_URL=… npm run bench:kafka -- [--quick] [--encode-only]
 *     [--before /work/main] [--rounds 3] [--records 600000] [--batch-sizes 1000,10000,100]
 *     [--lamina-env K=V,…]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
};
const quick = argv.includes('--quick');
const RECORDS = Number(option('--records') ?? (quick ? 100_000 : 600_000));
const ROUNDS = Number(option('--rounds') ?? (quick ? 2 : 3));
const BATCH_SIZES = (option('--batch-sizes') ?? '1000,10000,100').split(',').map(Number);
const BEFORE = option('--before');
/** `--lamina-env K=V,K=V`: variables for this tree's lamina only (an experiment's switch). */
const LAMINA_ENV = Object.fromEntries(
  (option('--lamina-env') ?? '')
    .split(',')
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const PARTITIONS = 6;
const VALUE = JSON.stringify({ id: 0, note: 'x'.repeat(64) });
const CPU_PROFILE_DIR = process.env['LAMINA_BENCH_CPU_PROF'];
const PREFIX = process.env['LAMINA_BENCH_PREFIX'] ?? 'bench';
/** The log line the poller writes on kafkajs' GROUP_JOIN (mapping-consumer.ts). */
const JOINED = 'joined the consumer group';

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

const handler = (file: string) => `const fs = require('node:fs');
exports.handler = async (event) => {
  let n = 0;
  for (const recs of Object.values(event.records)) n += recs.length;
  fs.appendFileSync(${JSON.stringify(file)}, Date.now() + ' ' + n + '\\n');
  return { n };
};\n`;

/** A hand-off: when a batch of `n` records reached user code (epoch ms). */
interface HandOff {
  readonly at: number;
  readonly n: number;
}

interface Rate {
  readonly recordsPerSecond: number;
  readonly seconds: number;
}

/** Every record over the time from the join to the last hand-off (see the header). */
function rateFromJoin(joinedAt: number, handOffs: readonly HandOff[]): Rate {
  const last = Math.max(...handOffs.map((h) => h.at));
  const records = handOffs.reduce((a, h) => a + h.n, 0);
  const seconds = (last - joinedAt) / 1000;
  return { recordsPerSecond: seconds > 0 ? records / seconds : Number.NaN, seconds };
}

/**
 * Where the window went: the first hand-off after the join (the first fetch, its decoding and,
 * for Lamina, the first invoke), and the gaps of over 100 ms in which no batch reached user code
 * (fetches nothing overlapped).
 */
function timeline(joinedAt: number, handOffs: readonly HandOff[]) {
  const at = handOffs.map((h) => h.at).sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < at.length; i++) {
    const gap = (at[i] ?? 0) - (at[i - 1] ?? 0);
    if (gap > 100) gaps.push(gap);
  }
  return {
    firstHandOffMs: (at[0] ?? joinedAt) - joinedAt,
    gapsOver100Ms: gaps,
  };
}

/** Records after the first hand-off over the first to the last hand-off (before ADR 0054). */
function rateFromFirstHandOff(handOffs: readonly HandOff[]): Rate {
  const sorted = [...handOffs].sort((a, b) => a.at - b.at);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined || last.at <= first.at)
    return { recordsPerSecond: Number.NaN, seconds: 0 };
  const records = sorted.slice(1).reduce((a, h) => a + h.n, 0);
  const seconds = (last.at - first.at) / 1000;
  return { recordsPerSecond: records / seconds, seconds };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};
const round2 = (xs: readonly number[]): number[] => xs.map((x) => Number(x.toFixed(2)));
const round1 = (xs: readonly number[]): number[] => xs.map((x) => Number(x.toFixed(1)));

async function produce(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let start = 0; start < RECORDS; start += 10_000) {
    const messages = [];
    for (let i = start; i < Math.min(RECORDS, start + 10_000); i++)
      messages.push({ key: `k${i}`, value: VALUE });
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();
}

/**
 * The poller's kafkajs settings (its defaults, no batching window) at their largest fetch
 * (LAMINA_POLLER_MAX_BYTES_PER_PARTITION per partition): kafkajs alone, which fetches only
 * after handing over the last fetch, does best with the fewest fetches.
 */
function pollerConsumer(groupId: string) {
  const poller = loadPollerConfig({ REDIS_URL: 'redis://127.0.0.1:6379' });
  return {
    config: consumerConfig(
      { consumerGroupId: groupId, batchSize: 1000, maximumBatchingWindowInSeconds: 0 },
      { ...poller, fetchBytesPerPartition: poller.maxBytesPerPartition },
    ),
    partitionsConsumedConcurrently: poller.partitionsConsumedConcurrently,
  };
}

interface Measured {
  readonly fromJoin: Rate;
  readonly timeline: ReturnType<typeof timeline>;
  readonly fromFirstHandOff: Rate;
  readonly handOffs: number;
  readonly cpuMsPer1000Records: Readonly<Record<string, number>>;
  readonly loadAverage: number[];
}

/** kafkajs alone: a new consumer group reading the topic from the beginning, doing nothing. */
async function rawConsume(kafka: Kafka, topic: string): Promise<Measured> {
  const { config, partitionsConsumedConcurrently } = pollerConsumer(uniqueName(`${PREFIX}-raw`));
  const consumer = kafka.consumer(config);
  let joinedAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ||= Date.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  const cpu0 = selfCpu();
  const handOffs: HandOff[] = [];
  await new Promise<void>((done) => {
    void consumer.run({
      partitionsConsumedConcurrently,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        handOffs.push({ at: Date.now(), n: batch.messages.length });
        if (seen >= RECORDS) done();
        await Promise.resolve();
      },
    });
  });
  const cpu = selfCpu() - cpu0;
  await consumer.disconnect();
  return {
    fromJoin: rateFromJoin(joinedAt, handOffs),
    timeline: timeline(joinedAt, handOffs),
    fromFirstHandOff: rateFromFirstHandOff(handOffs),
    handOffs: handOffs.length,
    cpuMsPer1000Records: { benchProcess: (cpu * 1e6) / RECORDS },
    loadAverage: round2(loadavg()),
  };
}

async function waitCommitted(
  admin: Admin,
  group: string,
  topic: string,
  timeoutMs: number,
): Promise<void> {
  await eventually(
    async () => {
      const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const done = (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      if (done < RECORDS) throw new Error(`only ${done} of ${RECORDS} committed`);
      return true;
    },
    { what: `${RECORDS} offsets committed`, timeoutMs, intervalMs: 25 },
  );
}

/** One `lamina dev` of a built checkout, serving the bench's batch function. */
interface Tree {
  readonly name: 'lamina' | 'before';
  readonly checkout: string;
  readonly lamina: LaminaProcess;
  readonly handOffFile: string;
  readonly state: string;
}

async function startTree(name: Tree['name'], checkout: string): Promise<Tree> {
  const testkit = pathToFileURL(join(checkout, 'packages/testkit/dist/index.js')).href;
  const { startLamina } = (await import(testkit)) as {
    startLamina: (o: StartLaminaOptions) => Promise<LaminaProcess>;
  };
  const state = mkdtempSync(join(tmpdir(), `lamina-bench-kafka-${name}-`));
  const functions = join(state, 'functions');
  mkdirSync(join(functions, 'batch'), { recursive: true });
  const handOffFile = join(state, 'hand-offs.log');
  writeFileSync(handOffFile, '');
  writeFileSync(join(functions, 'batch/index.js'), handler(handOffFile));
  writeFileSync(
    join(functions, 'batch.yaml'),
    'apiVersion: lamina.dev/v1alpha1\nkind: Function\nmetadata: {name: batch}\n' +
      'spec: {runtime: nodejs22.x, handler: index.handler, memorySize: 512, timeout: 60, code: {path: ./batch}}\n',
  );
  const lamina = await startLamina({
    functionsDir: functions,
    stateDir: join(state, 'state'),
    readyTimeoutMs: 60_000,
    env: {
      REDIS_URL: testEnv.require('REDIS_URL'),
      LAMINA_REDIS_PREFIX: uniqueName(`${PREFIX}-${name}`),
      LAMINA_POLLER_SYNC_INTERVAL_MS: '100',
      // The poller's "joined the consumer group" line starts the measured window.
      LAMINA_LOG_LEVEL: 'info',
      // The handler appends its hand-offs to a host file, which the sandbox hides (ADR 0029).
      LAMINA_SANDBOX: 'off',
      ...(CPU_PROFILE_DIR === undefined
        ? {}
        : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(CPU_PROFILE_DIR, name)}` }),
      ...(name === 'lamina' ? LAMINA_ENV : {}),
    },
  });
  // Six warm environments, one per partition, before anything is measured.
  await Promise.all(
    Array.from({ length: PARTITIONS }, () =>
      fetch(`${lamina.url}/2015-03-31/functions/batch/invocations`, {
        method: 'POST',
        body: '{"records":{}}',
      }).then((r) => r.arrayBuffer()),
    ),
  );
  return { name, checkout, lamina, handOffFile, state };
}

/** The time of the poller's join for mapping `uuid`, from lamina's log (epoch ms). */
function joinedAt(lamina: LaminaProcess, uuid: string): number {
  for (const line of lamina.logs().split('\n')) {
    if (!line.includes(JOINED) || !line.includes(uuid)) continue;
    return (JSON.parse(line) as { time: number }).time;
  }
  throw new Error(`no "${JOINED}" line for mapping ${uuid} in lamina's log`);
}

/** One run of a tree: a new mapping (a new group) over the whole topic at `batchSize`. */
async function laminaConsume(
  tree: Tree,
  admin: Admin,
  topic: string,
  batchSize: number,
): Promise<Measured & { readonly endToEndSeconds: number }> {
  const { lamina, handOffFile } = tree;
  writeFileSync(handOffFile, '');
  const pid = lamina.pid;
  const cpu0 = { tree: cpuOfTree(pid), own: cpuOfPid(pid), main: cpuOfMainThread(pid) };
  const t0 = performance.now();
  const res = await fetch(`${lamina.url}/2015-03-31/event-source-mappings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      FunctionName: 'batch',
      Topics: [topic],
      SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: testEnv.kafkaBrokers() } },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: batchSize,
    }),
  });
  const uuid = ((await res.json()) as { UUID: string }).UUID;
  try {
    await waitCommitted(admin, uuid, topic, quick ? 120_000 : 600_000).catch((err: unknown) => {
      log(`lamina's log (last lines):\n${lamina.logs().split('\n').slice(-30).join('\n')}`);
      throw err;
    });
  } finally {
    await fetch(`${lamina.url}/2015-03-31/event-source-mappings/${uuid}`, { method: 'DELETE' });
  }
  const endToEndSeconds = (performance.now() - t0) / 1000;
  const own = cpuOfPid(pid) - cpu0.own;
  const perThousand = (cpuSeconds: number): number => (cpuSeconds * 1e6) / RECORDS;
  const handOffs = readFileSync(handOffFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => ({ at: Number(l.split(' ')[0]), n: Number(l.split(' ')[1]) }));
  const joined = joinedAt(lamina, uuid);
  return {
    fromJoin: rateFromJoin(joined, handOffs),
    timeline: timeline(joined, handOffs),
    fromFirstHandOff: rateFromFirstHandOff(handOffs),
    handOffs: handOffs.length,
    endToEndSeconds,
    cpuMsPer1000Records: {
      laminaProcess: perThousand(own),
      laminaMainThread: perThousand(cpuOfMainThread(pid) - cpu0.main),
      runtimes: perThousand(cpuOfTree(pid) - cpu0.tree - own),
    },
    loadAverage: round2(loadavg()),
  };
}

/**
 * CPU µs per encode of one BatchSize-1,000 event of this bench's records: the encoder (and the
 * --before checkout's) against JSON.stringify of the event's objects, and the gateway's check of
 * the body, in interleaved rounds, median of each.
 */
async function encodeCost(): Promise<Record<string, number>> {
  const batch: KafkaBatchInput = {
    topic: 'bench-kafka-encode',
    partition: 3,
    bootstrapServers: ['127.0.0.1:9092'],
    records: Array.from({ length: 1000 }, (_, i) => ({
      offset: String(1_000_000 + i),
      timestamp: String(Date.now()),
      key: Buffer.from(`k${i}`),
      value: Buffer.from(VALUE),
      headers: {},
    })),
  };
  const expected = JSON.stringify(kafkaEvent(batch));
  if (encodeKafkaEvent(batch).toString() !== expected)
    throw new Error('encodeKafkaEvent differs from JSON.stringify(kafkaEvent)');
  const cpuUs = (f: () => unknown, n: number): number => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  const body = encodeKafkaEvent(batch);
  const cases: Record<string, () => unknown> = {
    jsonStringifyUs: () => Buffer.from(JSON.stringify(kafkaEvent(batch))),
    encodeKafkaEventUs: () => encodeKafkaEvent(batch),
    // The gateway's check of the same body (ADR 0050): the parse it did before, the scanner now.
    checkJsonParseUs: () => JSON.parse(body.toString('utf8')) as unknown,
    checkIsJsonTextUs: () => {
      if (!isJsonText(body)) throw new Error('isJsonText refused the encoded event');
    },
  };
  if (BEFORE !== undefined) {
    const core = pathToFileURL(join(resolve(BEFORE), 'packages/core/dist/index.js')).href;
    const theirs = ((await import(core)) as { encodeKafkaEvent: typeof encodeKafkaEvent })
      .encodeKafkaEvent;
    if (theirs(batch).toString() !== expected) throw new Error('--before encoder differs');
    cases['encodeKafkaEventBeforeUs'] = () => theirs(batch);
  }
  for (const f of Object.values(cases)) cpuUs(f, 50);
  const rounds = quick ? 5 : 10;
  const samples = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]));
  // Each round starts at another case: the garbage a case leaves is collected during the next
  // one, so a fixed order would charge one case with another's collections.
  const entries = Object.entries(cases);
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < entries.length; i++) {
      const [k, f] = entries[(r + i) % entries.length] ?? [];
      if (k !== undefined && f !== undefined) samples.get(k)?.push(cpuUs(f, 200));
    }
  return {
    ...Object.fromEntries([...samples].map(([k, xs]) => [k, Number(median(xs).toFixed(1))])),
    rounds,
  };
}

async function main(): Promise<void> {
  const encode = { ...(await encodeCost()), loadAverage: round2(loadavg()) };
  log(`encode one 1,000-record event, CPU µs: ${JSON.stringify(encode)}`);
  if (argv.includes('--encode-only')) return;
  const brokers = testEnv.kafkaBrokers();
  const kafka = new Kafka({ clientId: `${PREFIX}-kafka`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName(`${PREFIX}-kafka`);
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS }],
    waitForLeaders: true,
  });
  const trees: Tree[] = [];
  try {
    log(`producing ${RECORDS} records to ${PARTITIONS} partitions`);
    const p0 = performance.now();
    await produce(kafka, topic);
    const produceSeconds = (performance.now() - p0) / 1000;
    const loadAtStart = round2(loadavg());
    if (BEFORE !== undefined) trees.push(await startTree('before', resolve(BEFORE)));
    trees.push(await startTree('lamina', root));

    const [target = 1000, ...others] = BATCH_SIZES;
    const raw: Measured[] = [];
    const runs = new Map<string, (Measured & { endToEndSeconds: number })[]>();
    const say = (who: string, m: Measured): void => {
      log(
        `${who}: ${m.fromJoin.recordsPerSecond.toFixed(0)} records/s from the join ` +
          `(${m.fromFirstHandOff.recordsPerSecond.toFixed(0)} from the first hand-off, ` +
          `${m.timeline.firstHandOffMs} ms to it, gaps ${m.timeline.gapsOver100Ms.join(' ')}), ` +
          `CPU ms per 1,000 records ${JSON.stringify(m.cpuMsPer1000Records)}, load ${m.loadAverage.join(' ')}`,
      );
    };
    for (let r = 0; r < ROUNDS; r++) {
      const m = await rawConsume(kafka, topic);
      say(`round ${r + 1} kafkajs raw`, m);
      raw.push(m);
      // The trees take turns going first: a run can warm or load the machine for the next.
      for (const tree of r % 2 === 0 ? trees : [...trees].reverse()) {
        const run = await laminaConsume(tree, admin, topic, target);
        say(`round ${r + 1} ${tree.name} BatchSize ${target}`, run);
        runs.set(`${tree.name} ${target}`, [...(runs.get(`${tree.name} ${target}`) ?? []), run]);
      }
    }
    for (const batchSize of others)
      for (const tree of trees) {
        const run = await laminaConsume(tree, admin, topic, batchSize);
        say(`${tree.name} BatchSize ${batchSize}`, run);
        runs.set(`${tree.name} ${batchSize}`, [run]);
      }

    const rawRate = median(raw.map((m) => m.fromJoin.recordsPerSecond));
    const rawOld = median(raw.map((m) => m.fromFirstHandOff.recordsPerSecond));
    const summary = (name: string, batchSize: number) => {
      const rs = runs.get(`${name} ${batchSize}`) ?? [];
      const rate = median(rs.map((m) => m.fromJoin.recordsPerSecond));
      const perRound = rs.map((m, i) => {
        const base = raw[i]?.fromJoin.recordsPerSecond;
        return base === undefined ? Number.NaN : (100 * m.fromJoin.recordsPerSecond) / base;
      });
      const cpu = (k: string): number => median(rs.map((m) => m.cpuMsPer1000Records[k] ?? NaN));
      return {
        batchSize,
        recordsPerSecond: rate,
        percentOfRaw: (100 * rate) / rawRate,
        ...(batchSize === target
          ? {
              percentOfRawPerRoundMedian: median(perRound),
              // The spread a reader judges the medians by: every round's ratio, lowest, highest.
              percentOfRawPerRound: round1(perRound),
              percentOfRawRange: round1([Math.min(...perRound), Math.max(...perRound)]),
            }
          : {}),
        fromFirstHandOff: {
          recordsPerSecond: median(rs.map((m) => m.fromFirstHandOff.recordsPerSecond)),
          percentOfRaw: (100 * median(rs.map((m) => m.fromFirstHandOff.recordsPerSecond))) / rawOld,
        },
        cpuMsPer1000Records: {
          laminaProcess: cpu('laminaProcess'),
          laminaMainThread: cpu('laminaMainThread'),
          runtimes: cpu('runtimes'),
        },
        runs: rs,
      };
    };
    // Round by round: each side's rate, its ratio to the raw run of its round, the load average
    // (1, 5, 15 min) when the round ended — the spread and the load the medians hide.
    const perRound = raw.map((m, i) => {
      const side = (name: string) => {
        const run = runs.get(`${name} ${target}`)?.[i];
        if (run === undefined) return undefined;
        const rps = run.fromJoin.recordsPerSecond;
        return {
          recordsPerSecond: Math.round(rps),
          percentOfRaw: Number(((100 * rps) / m.fromJoin.recordsPerSecond).toFixed(1)),
        };
      };
      const before = side('before');
      const lamina = side('lamina');
      return {
        round: i + 1,
        rawRecordsPerSecond: Math.round(m.fromJoin.recordsPerSecond),
        ...(before === undefined ? {} : { before }),
        ...(lamina === undefined ? {} : { lamina }),
        loadAverage: runs.get(`lamina ${target}`)?.[i]?.loadAverage ?? m.loadAverage,
      };
    });
    for (const r of perRound)
      log(
        `round ${r.round}: raw ${r.rawRecordsPerSecond}/s` +
          (r.before === undefined
            ? ''
            : `, before ${r.before.recordsPerSecond}/s = ${r.before.percentOfRaw} %`) +
          (r.lamina === undefined
            ? ''
            : `, lamina ${r.lamina.recordsPerSecond}/s = ${r.lamina.percentOfRaw} %`) +
          `, load ${r.loadAverage.join(' ')}`,
      );
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: round2(loadavg()),
      settings: {
        records: RECORDS,
        partitions: PARTITIONS,
        valueBytes: VALUE.length,
        rounds: ROUNDS,
        batchSizes: BATCH_SIZES,
        mode: 'lamina dev (poller in-process, sync invoke through the gateway, Node.js batch handler)',
        note:
          'rate = records handed to user code / (last hand-off − the consumer group join), the same for kafkajs raw ' +
          "(eachBatch, the poller's consumer settings) and Lamina (the handler); fromFirstHandOff = the measure before " +
          'ADR 0054 (records after the first hand-off / (last − first hand-off)); medians of interleaved rounds',
      },
      encode,
      roundsAtTargetBatchSize: perRound,
      produce: { seconds: produceSeconds, recordsPerSecond: RECORDS / produceSeconds },
      kafkajsRawConsume: {
        recordsPerSecond: rawRate,
        fromFirstHandOff: { recordsPerSecond: rawOld },
        cpuMsPer1000Records: median(raw.map((m) => m.cpuMsPer1000Records['benchProcess'] ?? NaN)),
        rounds: raw,
      },
      ...(BEFORE === undefined
        ? {}
        : {
            before: {
              checkout: resolve(BEFORE),
              runs: [target, ...others].map((b) => summary('before', b)),
            },
          }),
      lamina: [target, ...others].map((b) => summary('lamina', b)),
    };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    const file = join(root, 'bench/results/kafka.json');
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    for (const s of [...(result.before?.runs ?? []), ...result.lamina])
      log(
        `${result.before?.runs.includes(s) === true ? 'before' : 'lamina'} BatchSize ${s.batchSize}: ` +
          `${s.recordsPerSecond.toFixed(0)} records/s = ${s.percentOfRaw.toFixed(1)} % of raw ` +
          `(${rawRate.toFixed(0)}/s)${s.percentOfRawPerRoundMedian === undefined ? '' : `, per-round median ${s.percentOfRawPerRoundMedian.toFixed(1)} % (rounds ${(s.percentOfRawPerRound ?? []).join(' / ')} %)`}; ` +
          `CPU ms per 1,000 records ${JSON.stringify(s.cpuMsPer1000Records)}`,
      );
    log(`wrote ${file}`);
  } finally {
    for (const t of trees) {
      await t.lamina.stop();
      rmSync(t.state, { recursive: true, force: true });
    }
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

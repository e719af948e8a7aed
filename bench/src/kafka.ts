import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { encodeKafkaEvent, isJsonText, type KafkaBatchInput, kafkaEvent } from '@lamina/core';
import { eventually, startLamina, testEnv, uniqueName } from '@lamina/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';

import { cpuOfPid, cpuOfTree } from './cpu-usage.js';

/**
 * bench/kafka: records per second from a Kafka topic through the poller into a batch handler
 * (lamina dev, poller in-process, sync invokes through the gateway, commit after success),
 * next to kafkajs' own raw consume rate (eachBatch, no work) on the same topic in the same run.
 *
 * Both sides are measured the same way (the steady-state rate): the time of each hand-off of a
 * batch to user code (kafkajs: eachBatch returns; Lamina: the handler returns, its clock
 * appended to a file) and its record count; rate = records after the first hand-off / (last
 * hand-off − first hand-off). The group join, the first fetch and the final commit are outside
 * it for both. The raw consumer runs three times (new group each) and the median counts. The
 * end-to-end time (CreateEventSourceMapping until every offset is committed) is kept beside.
 * Beside the rates, the CPU each run cost per 1,000 records: the lamina process (poller,
 * gateway, Runtime API) and its runtimes, read from /proc (not inflated by a busy machine the
 * way wall-clock rates are). LAMINA_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the lamina
 * process there (`node --cpu-prof`). First, in this process, the CPU of encoding one 1,000-record
 * event (the poller's `encodeKafkaEvent` against `JSON.stringify(kafkaEvent(…))`) and of the
 * gateway's JSON check of that body (`JSON.parse` as before ADR 0050 against core's `isJsonText`),
 * interleaved rounds; `--encode-only` stops after it. Writes bench/results/kafka.json.
 *
 *   KAFKA_BROKERS=… REDIS_URL=… node bench/dist/kafka.js [--quick] [--encode-only]
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const RECORDS = quick ? 50_000 : 200_000;
const PARTITIONS = 6;
const VALUE = JSON.stringify({ id: 0, note: 'x'.repeat(64) });
const BATCH_SIZES = [10_000, 1000, 100] as const;
const CPU_PROFILE_DIR = process.env['LAMINA_BENCH_CPU_PROF'];

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

/** Records per second after the first hand-off (the steady state; see the header). */
function steadyRate(handOffs: readonly HandOff[]): { recordsPerSecond: number; seconds: number } {
  const sorted = [...handOffs].sort((a, b) => a.at - b.at);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined || last.at <= first.at)
    return { recordsPerSecond: Number.NaN, seconds: 0 };
  const records = sorted.slice(1).reduce((a, h) => a + h.n, 0);
  const seconds = (last.at - first.at) / 1000;
  return { recordsPerSecond: records / seconds, seconds };
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

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

/** kafkajs alone: a consumer group reading the topic from the beginning, doing nothing. */
async function rawConsume(
  kafka: Kafka,
  topic: string,
): Promise<{ seconds: number; handOffs: HandOff[]; cpuSeconds: number }> {
  const consumer = kafka.consumer({
    groupId: uniqueName('bench-raw'),
    maxBytesPerPartition: 10_485_760,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let t0 = 0;
  const cpu0 = process.cpuUsage();
  const handOffs: HandOff[] = [];
  const seconds = await new Promise<number>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch }) => {
        if (t0 === 0) t0 = performance.now();
        seen += batch.messages.length;
        handOffs.push({ at: performance.timeOrigin + performance.now(), n: batch.messages.length });
        if (seen >= RECORDS) resolve((performance.now() - t0) / 1000);
        await Promise.resolve();
      },
    });
  });
  const cpu = process.cpuUsage(cpu0);
  await consumer.disconnect();
  return { seconds, handOffs, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
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

/**
 * CPU µs per encode of one BatchSize-1,000 event of this bench's records: the encoder against
 * JSON.stringify of the event's objects, in interleaved rounds, median of each.
 */
function encodeCost(): {
  jsonStringifyUs: number;
  encodeKafkaEventUs: number;
  checkJsonParseUs: number;
  checkIsJsonTextUs: number;
  rounds: number;
} {
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
  if (encodeKafkaEvent(batch).toString() !== JSON.stringify(kafkaEvent(batch)))
    throw new Error('encodeKafkaEvent differs from JSON.stringify(kafkaEvent)');
  const cpuUs = (f: () => unknown, n: number): number => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  const base = () => Buffer.from(JSON.stringify(kafkaEvent(batch)));
  const ours = () => encodeKafkaEvent(batch);
  // The gateway's check of the same body (ADR 0050): the parse it did before, the scanner now.
  const body = encodeKafkaEvent(batch);
  const parse = () => JSON.parse(body.toString('utf8')) as unknown;
  const scan = () => {
    if (!isJsonText(body)) throw new Error('isJsonText refused the encoded event');
  };
  for (const f of [base, ours, parse, scan]) cpuUs(f, 50);
  const rounds = quick ? 3 : 7;
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  const d: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(cpuUs(base, 200));
    b.push(cpuUs(ours, 200));
    c.push(cpuUs(parse, 200));
    d.push(cpuUs(scan, 200));
  }
  return {
    jsonStringifyUs: median(a),
    encodeKafkaEventUs: median(b),
    checkJsonParseUs: median(c),
    checkIsJsonTextUs: median(d),
    rounds,
  };
}

async function main(): Promise<void> {
  const encode = { ...encodeCost(), loadAverage: loadavg() };
  log(
    `encode one 1,000-record event: JSON.stringify ${encode.jsonStringifyUs.toFixed(0)} µs, ` +
      `encodeKafkaEvent ${encode.encodeKafkaEventUs.toFixed(0)} µs CPU; the gateway's check of it: ` +
      `JSON.parse ${encode.checkJsonParseUs.toFixed(0)} µs, isJsonText ${encode.checkIsJsonTextUs.toFixed(0)} µs`,
  );
  if (process.argv.includes('--encode-only')) return;
  const brokers = testEnv.kafkaBrokers();
  const redisUrl = testEnv.require('REDIS_URL');
  const kafka = new Kafka({ clientId: 'lamina-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('bench-kafka');
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS }],
    waitForLeaders: true,
  });
  log(`producing ${RECORDS} records to ${PARTITIONS} partitions`);
  const p0 = performance.now();
  await produce(kafka, topic);
  const produceSeconds = (performance.now() - p0) / 1000;
  const raws: { seconds: number; steadyRecordsPerSecond: number; cpuMsPer1000Records: number }[] =
    [];
  for (let i = 0; i < 3; i++) {
    log(`kafkajs raw consume ${i + 1}/3`);
    const raw = await rawConsume(kafka, topic);
    raws.push({
      seconds: raw.seconds,
      steadyRecordsPerSecond: steadyRate(raw.handOffs).recordsPerSecond,
      cpuMsPer1000Records: (raw.cpuSeconds * 1e6) / RECORDS,
    });
  }
  const rawSteady = median(raws.map((r) => r.steadyRecordsPerSecond));
  const rawSeconds = median(raws.map((r) => r.seconds));
  const loadAtStart = loadavg();

  const state = mkdtempSync(join(tmpdir(), 'lamina-bench-kafka-'));
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
    env: {
      REDIS_URL: redisUrl,
      LAMINA_REDIS_PREFIX: uniqueName('bench'),
      LAMINA_POLLER_SYNC_INTERVAL_MS: '100',
      // The handler appends its hand-offs to a host file, which the sandbox hides (ADR 0029).
      LAMINA_SANDBOX: 'off',
      ...(CPU_PROFILE_DIR === undefined
        ? {}
        : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROFILE_DIR}` }),
    },
  });
  const base = lamina.url;
  const runs: {
    batchSize: number;
    seconds: number;
    recordsPerSecond: number;
    steadyRecordsPerSecond: number;
    percentOfRawSteady: number;
    cpuMsPer1000Records: { laminaProcess: number; runtimes: number };
    loadAverage: number[];
  }[] = [];
  try {
    for (const batchSize of BATCH_SIZES) {
      writeFileSync(handOffFile, '');
      const cpu0 = { tree: cpuOfTree(lamina.pid), own: cpuOfPid(lamina.pid) };
      const t0 = performance.now();
      const res = await fetch(`${base}/2015-03-31/event-source-mappings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          FunctionName: 'batch',
          Topics: [topic],
          SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: brokers } },
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: batchSize,
        }),
      });
      const uuid = ((await res.json()) as { UUID: string }).UUID;
      await waitCommitted(admin, uuid, topic, quick ? 120_000 : 600_000).catch((err: unknown) => {
        log(`lamina's log (last lines):\n${lamina.logs().split('\n').slice(-30).join('\n')}`);
        throw err;
      });
      const seconds = (performance.now() - t0) / 1000;
      const own = cpuOfPid(lamina.pid) - cpu0.own;
      const runtimes = cpuOfTree(lamina.pid) - cpu0.tree - own;
      const perThousand = (cpuSeconds: number): number => (cpuSeconds * 1e6) / RECORDS;
      const handOffs = readFileSync(handOffFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => ({ at: Number(l.split(' ')[0]), n: Number(l.split(' ')[1]) }));
      const steady = steadyRate(handOffs).recordsPerSecond;
      runs.push({
        batchSize,
        seconds,
        recordsPerSecond: RECORDS / seconds,
        steadyRecordsPerSecond: steady,
        percentOfRawSteady: (100 * steady) / rawSteady,
        cpuMsPer1000Records: { laminaProcess: perThousand(own), runtimes: perThousand(runtimes) },
        loadAverage: loadavg(),
      });
      log(
        `BatchSize ${batchSize}: ${steady.toFixed(0)} records/s steady (${((100 * steady) / rawSteady).toFixed(1)} % of raw), ` +
          `${(RECORDS / seconds).toFixed(0)} records/s end to end; CPU per 1,000 records ` +
          `${perThousand(own).toFixed(1)} ms lamina, ${perThousand(runtimes).toFixed(1)} ms runtimes`,
      );
      await fetch(`${base}/2015-03-31/event-source-mappings/${uuid}`, { method: 'DELETE' });
    }
  } finally {
    await lamina.stop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(state, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    loadAverageAtStart: loadAtStart,
    settings: {
      records: RECORDS,
      partitions: PARTITIONS,
      valueBytes: VALUE.length,
      mode: 'lamina dev (poller in-process, sync invoke through the gateway, Node.js batch handler)',
      note: 'steady = records handed to user code after the first hand-off / (last − first hand-off), the same for kafkajs raw (eachBatch) and Lamina (the handler); end to end = CreateEventSourceMapping until every offset is committed (includes group join)',
    },
    encode,
    produce: { seconds: produceSeconds, recordsPerSecond: RECORDS / produceSeconds },
    kafkajsRawConsume: {
      seconds: rawSeconds,
      recordsPerSecond: RECORDS / rawSeconds,
      steadyRecordsPerSecond: rawSteady,
      cpuMsPer1000Records: median(raws.map((r) => r.cpuMsPer1000Records)),
      rounds: raws,
    },
    endToEnd: runs,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/kafka.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`kafkajs raw ${rawSteady.toFixed(0)} records/s steady; wrote ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

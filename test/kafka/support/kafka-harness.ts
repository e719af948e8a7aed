import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  CreateFunctionCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { eventually, type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';

import { lambdaClient } from '../../support/lambda-client.js';
import { makeZip } from '../../support/zip.js';

export const brokers = testEnv.kafkaBrokers();

export const kafkaClient = (): Kafka =>
  new Kafka({ clientId: uniqueName('kafka-test'), brokers, logLevel: logLevel.NOTHING });

/**
 * Appends `<topic-partition> <offsets,…> <ok|bad>` per invocation to $RUN_LOG (ok: offsets
 * strictly increase), after sleeping $SLEEP_MS. Fails when a record's value is $POISON; with $PARTIAL_OFFSET reports
 * that offset of partition 0 as failed the first time it is seen ($PARTIAL_MARK).
 */
export const ORDER_HANDLER = `
const fs = require('node:fs');
exports.handler = async (event) => {
  let lines = '';
  let poison = false;
  let failed;
  for (const [tp, recs] of Object.entries(event.records)) {
    let ok = true;
    for (let i = 1; i < recs.length; i++) if (recs[i].offset <= recs[i - 1].offset) ok = false;
    lines += tp + ' ' + recs.map((r) => r.offset).join(',') + ' ' + (ok ? 'ok' : 'bad') + '\\n';
    if (process.env.POISON) for (const r of recs)
      if (Buffer.from(r.value, 'base64').toString() === process.env.POISON) poison = true;
    if (process.env.PARTIAL_OFFSET && recs[0].partition === 0) {
      const target = recs.find((r) => r.offset === Number(process.env.PARTIAL_OFFSET));
      if (target && !fs.existsSync(process.env.PARTIAL_MARK)) {
        fs.writeFileSync(process.env.PARTIAL_MARK, 'x');
        failed = { itemIdentifier: { partition: tp, offset: target.offset } };
      }
    }
  }
  if (process.env.SLEEP_MS) await new Promise((r) => setTimeout(r, Number(process.env.SLEEP_MS)));
  fs.appendFileSync(process.env.RUN_LOG, lines);
  if (poison) throw new Error('poison record');
  return failed ? { batchItemFailures: [failed] } : { batchItemFailures: [] };
};
`;

export interface Invocation {
  readonly partition: number;
  readonly offsets: number[];
  readonly ordered: boolean;
}

export interface OrderFunction {
  readonly name: string;
  readonly dir: string;
  invocations(): Invocation[];
}

export async function createOrderFunction(
  client: LambdaClient,
  env: Readonly<Record<string, string>> = {},
): Promise<OrderFunction> {
  const name = uniqueName('kafka-fn');
  const dir = mkdtempSync(join(tmpdir(), 'lamina-kafka-'));
  const log = join(dir, 'runs.log');
  writeFileSync(log, '');
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/test',
      Code: { ZipFile: makeZip({ 'index.js': ORDER_HANDLER }) },
      Environment: { Variables: { RUN_LOG: log, PARTIAL_MARK: join(dir, 'mark'), ...env } },
      Timeout: 60,
      MemorySize: 512,
    }),
  );
  return {
    name,
    dir,
    invocations: () =>
      (existsSync(log) ? readFileSync(log, 'utf8') : '')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [tp = '', offsets = '', ok] = l.split(' ');
          return {
            partition: Number(tp.slice(tp.lastIndexOf('-') + 1)),
            offsets: offsets.split(',').map(Number),
            ordered: ok === 'ok',
          };
        }),
  };
}

export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions }],
    waitForLeaders: true,
  });
}

/**
 * Produces `count` keyed records (`k<i>` → `v<i>`) in big batches, each exactly once; returns
 * high watermarks. Idempotent: a batch the client retries after a request timeout (a loaded CI
 * machine) is not written twice — a plain producer once left 103,289 records for 100,000.
 */
export async function produceKeyed(
  kafka: Kafka,
  topic: string,
  count: number,
  value: (i: number) => string = (i) => `v${i}`,
): Promise<Map<number, number>> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const step = 10_000;
  for (let start = 0; start < count; start += step) {
    const messages = [];
    for (let i = start; i < Math.min(count, start + step); i++)
      messages.push({ key: `k${i}`, value: value(i) });
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();
  return highWatermarks(kafka, topic);
}

export async function highWatermarks(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

/** Committed offsets of a group per partition (-1 = none). */
export async function committed(admin: Admin, groupId: string, topic: string) {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/**
 * Waits until the group committed every partition of `topic` up to its high watermark;
 * `onSample` sees each poll's committed offsets.
 */
export async function allCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
  high: ReadonlyMap<number, number>,
  o: { timeoutMs?: number; onSample?: (committed: ReadonlyMap<number, number>) => void } = {},
): Promise<void> {
  await eventually(
    async () => {
      const c = await committed(admin, groupId, topic);
      o.onSample?.(c);
      if ([...high].every(([p, hw]) => c.get(p) === hw)) return true;
      throw new Error(`committed ${JSON.stringify([...c])}`);
    },
    {
      what: `every offset of ${topic} committed`,
      timeoutMs: o.timeoutMs ?? 60_000,
      intervalMs: 200,
    },
  );
}

export async function createMapping(
  client: LambdaClient,
  input: Omit<CreateEventSourceMappingCommandInput, 'SelfManagedEventSource'>,
): Promise<string> {
  const out = await client.send(
    new CreateEventSourceMappingCommand({
      StartingPosition: 'TRIM_HORIZON',
      SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: brokers } },
      ...input,
    }),
  );
  if (out.UUID === undefined) throw new Error('no UUID');
  return out.UUID;
}

/**
 * Per partition: how often each offset was delivered; batches not in offset order; and
 * `rewinds`: batches starting at or below the previous batch's end (a redelivery).
 */
export function summarize(invocations: readonly Invocation[]) {
  const seen = new Map<number, Map<number, number>>();
  let outOfOrder = 0;
  let rewinds = 0;
  const last = new Map<number, number>();
  for (const inv of invocations) {
    if (!inv.ordered) outOfOrder++;
    const counts = seen.get(inv.partition) ?? new Map<number, number>();
    seen.set(inv.partition, counts);
    for (const o of inv.offsets) counts.set(o, (counts.get(o) ?? 0) + 1);
    const first = inv.offsets[0] ?? 0;
    if (first <= (last.get(inv.partition) ?? -1)) rewinds++;
    last.set(inv.partition, inv.offsets[inv.offsets.length - 1] ?? first);
  }
  let missing = 0;
  let duplicates = 0;
  return {
    seen,
    outOfOrder,
    rewinds,
    /** Offsets below each high watermark never delivered, and extra deliveries. */
    check(high: ReadonlyMap<number, number>) {
      missing = 0;
      duplicates = 0;
      for (const [p, hw] of high) {
        const counts = seen.get(p) ?? new Map<number, number>();
        for (let o = 0; o < hw; o++) {
          const n = counts.get(o) ?? 0;
          if (n === 0) missing++;
          else duplicates += n - 1;
        }
      }
      return { missing, duplicates };
    },
  };
}

/** `lamina dev` on the test env's Redis and Kafka, with an SDK client and a Kafka admin. */
export interface KafkaLamina {
  readonly lamina: LaminaProcess;
  readonly client: LambdaClient;
  readonly kafka: Kafka;
  readonly admin: Admin;
  stop(): Promise<void>;
}

/** Starts it with `env` on top of Redis, a fresh key prefix and the brokers. */
export async function startKafkaLamina(env: Record<string, string>): Promise<KafkaLamina> {
  const lamina = await startLamina({
    env: {
      REDIS_URL: testEnv.require('REDIS_URL'),
      LAMINA_REDIS_PREFIX: uniqueName('kafka'),
      // The recording handlers append to a host file (RUN_LOG) the sandbox hides (ADR 0029).
      LAMINA_SANDBOX: 'off',
      KAFKA_BROKERS: brokers.join(','),
      ...env,
    },
  });
  const client = lambdaClient(lamina.url);
  const kafka = kafkaClient();
  const admin = kafka.admin();
  await admin.connect();
  return {
    lamina,
    client,
    kafka,
    admin,
    stop: async () => {
      client.destroy();
      await admin.disconnect();
      await lamina.stop();
    },
  };
}

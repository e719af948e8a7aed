import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';

// Proves the broker from test/env is a real Kafka that kafkajs 2.2.4 can drive end to end:
// topic creation, produce, consumer-group consume with manual commits, a rebalance when a second
// member joins, and committed offsets honoured by a restarted consumer. This is the evidence
// behind docs/adr/0003-kafka-version.md.

const PARTITIONS = 3;

interface Received {
  partition: number;
  offset: string;
  value: string;
}

describe('kafka (kafkajs against the test broker)', () => {
  const kafka = new Kafka({
    clientId: uniqueName('smoke'),
    brokers: testEnv.kafkaBrokers(),
    // Retriable errors (coordinator not yet available, rebalance in progress) are logged as
    // errors by kafkajs; the assertions decide. KAFKAJS_LOG_LEVEL=debug shows every request.
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const topic = uniqueName('smoke-topic');
  const groupId = uniqueName('smoke-group');
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  });

  afterAll(async () => {
    for (const c of consumers) await c.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  /** Sends `count` messages per partition, each value naming its round, partition and index. */
  async function produce(round: string, count: number): Promise<string[]> {
    const messages = [];
    for (let p = 0; p < PARTITIONS; p++) {
      for (let i = 0; i < count; i++) messages.push({ partition: p, value: `${round}:${p}:${i}` });
    }
    await producer.send({ topic, messages, acks: -1 });
    return messages.map((m) => m.value);
  }

  /**
   * Starts a consumer in the shared group that records every message and commits its offset
   * explicitly (autoCommit off), and remembers the partitions of its latest assignment.
   */
  async function startConsumer(received: Received[]) {
    const consumer = kafka.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10_000 });
    consumers.push(consumer);
    const state = { assigned: [] as number[], joins: 0 };
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      state.assigned = [...(event.payload.memberAssignment[topic] ?? [])].sort();
      state.joins++;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        received.push({
          partition,
          offset: message.offset,
          value: message.value?.toString() ?? '',
        });
        const next = (BigInt(message.offset) + 1n).toString();
        await consumer.commitOffsets([{ topic, partition, offset: next }]);
      },
    });
    return { consumer, state };
  }

  it('round-trips a 3-partition topic through a consumer group, with a rebalance and a restart', async () => {
    // 1. One member gets all three partitions and consumes the first round.
    const firstRound: Received[] = [];
    const a = await startConsumer(firstRound);
    await eventually(
      () => Promise.resolve(a.state.assigned.length === PARTITIONS ? true : undefined),
      { what: 'first member to own all partitions' },
    );
    const sent1 = await produce('r1', 10);
    await eventually(() => Promise.resolve(firstRound.length >= sent1.length ? true : undefined), {
      what: 'round 1 to arrive',
    });
    expect(firstRound.map((m) => m.value).sort()).toEqual([...sent1].sort());

    // 2. A second member joins: the group rebalances and the partitions are split between them.
    const secondRound: Received[] = [];
    const joinsBefore = a.state.joins;
    const b = await startConsumer(secondRound);
    await eventually(
      () =>
        Promise.resolve(
          a.state.joins > joinsBefore &&
            b.state.assigned.length > 0 &&
            a.state.assigned.length + b.state.assigned.length === PARTITIONS
            ? true
            : undefined,
        ),
      { what: 'the group to rebalance across two members' },
    );
    expect([...a.state.assigned, ...b.state.assigned].sort()).toEqual([0, 1, 2]);

    // Messages produced now are consumed once by whichever member owns the partition; nothing
    // from round 1 is redelivered because its offsets were committed.
    const sent2 = await produce('r2', 1);
    await eventually(
      () =>
        Promise.resolve(
          firstRound.length + secondRound.length >= sent1.length + sent2.length ? true : undefined,
        ),
      { what: 'round 2 to arrive' },
    );
    const afterRebalance = [...firstRound.slice(sent1.length), ...secondRound].map((m) => m.value);
    expect(afterRebalance.sort()).toEqual([...sent2].sort());

    // 3. Both members leave; the committed offsets are stored by the group coordinator.
    await a.consumer.disconnect();
    await b.consumer.disconnect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '11'],
      [1, '11'],
      [2, '11'],
    ]);

    // 4. A restarted consumer resumes from the committed offsets: it sees only round 3.
    const thirdRound: Received[] = [];
    const c = await startConsumer(thirdRound);
    await eventually(
      () => Promise.resolve(c.state.assigned.length === PARTITIONS ? true : undefined),
      { what: 'restarted member to own all partitions' },
    );
    const sent3 = await produce('r3', 1);
    await eventually(() => Promise.resolve(thirdRound.length >= sent3.length ? true : undefined), {
      what: 'round 3 to arrive',
    });
    // Give a wrongly reset consumer the time to redeliver old messages before asserting.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(thirdRound.map((m) => m.value).sort()).toEqual([...sent3].sort());
    expect(thirdRound.every((m) => m.offset === '11')).toBe(true);
  });
});

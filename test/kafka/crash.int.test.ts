import { type LambdaClient, LambdaClient as Client } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type LaminaProcess, startLamina } from '../support/lamina-process.js';
import {
  brokers,
  committed,
  createMapping,
  createOrderFunction,
  createTopic,
  kafkaClient,
  produceKeyed,
  summarize,
  unique,
} from './support/kafka-harness.js';
import { type ServiceProcess, startServiceProcess } from '../support/service-process.js';

const RECORDS = 30_000;

describe('Kafka poller: SIGKILLed twice mid-run', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;
  const prefix = unique('kafka');
  const kafka = kafkaClient();
  const admin = kafka.admin();
  const pollers: ServiceProcess[] = [];
  const pollerEnv = (): Record<string, string> => ({
    REDIS_URL: process.env['REDIS_URL'] ?? '',
    LAMINA_REDIS_PREFIX: prefix,
    LAMINA_GATEWAY_URL: lamina.endpoint,
    LAMINA_POLLER_SYNC_INTERVAL_MS: '300',
    LAMINA_POLLER_SESSION_TIMEOUT_MS: '6000',
  });

  beforeAll(async () => {
    lamina = await startLamina({
      env: {
        REDIS_URL: process.env['REDIS_URL'] ?? '',
        LAMINA_REDIS_PREFIX: prefix,
        KAFKA_BROKERS: brokers.join(','),
        LAMINA_DEV_POLLER: 'false',
      },
    });
    client = new Client({
      endpoint: lamina.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    await admin.connect();
  });
  afterAll(async () => {
    for (const p of pollers) await p.kill('SIGTERM');
    client.destroy();
    await admin.disconnect();
    await lamina.stop();
  });

  it('loses nothing; duplicates are counted', async () => {
    const topic = unique('crash');
    await createTopic(admin, topic, 6);
    const high = await produceKeyed(kafka, topic, RECORDS);
    const fn = await createOrderFunction(client, { SLEEP_MS: '100' });
    const uuid = await createMapping(client, {
      FunctionName: fn.name,
      Topics: [topic],
      BatchSize: 250,
    });
    const delivered = (): number => fn.invocations().reduce((n, i) => n + i.offsets.length, 0);
    const waitDelivered = async (n: number): Promise<void> => {
      const end = Date.now() + 60_000;
      while (delivered() < n) {
        if (Date.now() > end) throw new Error(`only ${delivered()} delivered`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const start = Date.now();
    pollers.push(await startServiceProcess('poller', pollerEnv()));
    await waitDelivered(RECORDS * 0.25);
    await pollers[0]?.kill('SIGKILL');
    const afterFirst = delivered();
    pollers.push(await startServiceProcess('poller', pollerEnv()));
    await waitDelivered(afterFirst + RECORDS * 0.3);
    await pollers[1]?.kill('SIGKILL');
    pollers.push(await startServiceProcess('poller', pollerEnv()));

    const end = Date.now() + 90_000;
    for (;;) {
      const c = await committed(admin, uuid, topic);
      if ([...high].every(([p, hw]) => c.get(p) === hw)) break;
      if (Date.now() > end) throw new Error(`not all committed: ${JSON.stringify([...c])}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const s = summarize(fn.invocations());
    const { missing, duplicates } = s.check(high);
    process.stdout.write(
      `kafka crash test: ${RECORDS} records, 2 SIGKILLs, done in ${Date.now() - start} ms, ` +
        `missing ${missing}, duplicates ${duplicates} (${s.rewinds} redelivered batches)\n`,
    );
    expect(missing).toBe(0);
    expect(s.outOfOrder).toBe(0);
  }, 180_000);
});

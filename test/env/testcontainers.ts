import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The developer-machine alternative to test/env/up for Redis and Kafka: containers started
 * through testcontainers (needs Docker and access to Docker Hub). Selected in
 * test/global-setup.ts by LAMINA_TEST_SERVICES=testcontainers. Kubernetes has no container
 * equivalent here; KUBECONFIG still comes from `test/env/up kube`.
 *
 * Returns the endpoints in the same variables env.sh sets, and a function that stops everything.
 */
export interface StartedServices {
  env: Record<string, string>;
  stop: () => Promise<void>;
}

// Same versions as the host-process environment: Kafka from test/env/versions.sh (one source),
// Redis matching Debian bookworm's redis-server 7.0.
const REDIS_IMAGE = 'redis:7.0.15';

function kafkaVersion(): string {
  const file = fileURLToPath(new URL('./versions.sh', import.meta.url));
  const m = /^KAFKA_VERSION="\$\{LAMINA_KAFKA_VERSION:-([0-9.]+)\}"/m.exec(
    readFileSync(file, 'utf8'),
  );
  if (!m?.[1]) throw new Error(`no KAFKA_VERSION in ${file}`);
  return process.env['LAMINA_KAFKA_VERSION'] ?? m[1];
}

/** A TCP port that was free a moment ago (Kafka must advertise the port clients reach). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

export async function startTestcontainers(): Promise<StartedServices> {
  // Loaded only on this path, so the default path never touches Docker.
  const { GenericContainer, Wait } = await import('testcontainers');

  const redisArgs = ['redis-server', '--maxmemory-policy', 'noeviction'];
  const redis = new GenericContainer(REDIS_IMAGE)
    .withCommand([...redisArgs, '--save', '', '--appendonly', 'no'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'));
  const redisDurable = new GenericContainer(REDIS_IMAGE)
    .withCommand([...redisArgs, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'));

  // The official apache/kafka image in KRaft mode (one combined broker and controller), set up
  // like test/env/lib/kafka.sh. The client listener uses the same port inside and outside the
  // container, so the address the broker advertises is the one the host reaches.
  const port = await freePort();
  const kafka = new GenericContainer(`apache/kafka:${kafkaVersion()}`)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://127.0.0.1:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@127.0.0.1:9093',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage('Kafka Server started'))
    .withStartupTimeout(120_000);

  // Start all three at once; if any fails, stop the ones that did start before failing.
  const results = await Promise.allSettled([redis.start(), redisDurable.start(), kafka.start()]);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(started.map((c) => c.stop()));
    throw failed.reason;
  }
  const [r, rd] = started;
  if (!r || !rd) throw new Error('testcontainers returned fewer containers than started');
  return {
    env: {
      REDIS_URL: `redis://${r.getHost()}:${r.getMappedPort(6379)}`,
      REDIS_DURABLE_URL: `redis://${rd.getHost()}:${rd.getMappedPort(6379)}`,
      KAFKA_BROKERS: `127.0.0.1:${port}`,
      KAFKA_VERSION: kafkaVersion(),
    },
    stop: async () => {
      await Promise.all(started.map((c) => c.stop()));
    },
  };
}

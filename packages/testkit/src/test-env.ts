import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The one place tests and benches read their environment: the endpoints of the test services
 * (which test/global-setup.ts loads from test/env/out/env.sh or testcontainers into the
 * environment; a bench needs env.sh sourced), the cache of runtimes that setup scripts fill, and
 * the environment a child process inherits.
 *
 * Invariant: a missing endpoint fails loudly, naming the variable and how to get it. A suite
 * that silently fell back (an empty REDIS_URL makes `lamina dev` start a private Redis) would
 * test something other than what it says.
 */

/** The variables test/env/up writes to env.sh (testcontainers sets the Redis and Kafka ones). */
export type TestEnvName =
  | 'REDIS_URL'
  | 'REDIS_DURABLE_URL'
  | 'KAFKA_BROKERS'
  | 'SQS_ENDPOINT'
  | 'LAMINA_TEST_S3_ENDPOINT'
  | 'LAMINA_TEST_S3_ACCESS_KEY_ID'
  | 'LAMINA_TEST_S3_SECRET_ACCESS_KEY'
  | 'KUBECONFIG'
  | 'LAMINA_TEST_BIN'
  | 'LAMINA_TEST_NODE'
  | 'LAMINA_TEST_LOAD_IMAGE'
  | 'LAMINA_BASE_IMAGE';

const read = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

export const testEnv = {
  /** The value of an endpoint variable; throws when it is unset or empty. */
  require(name: TestEnvName): string {
    const value = read(name);
    if (value === undefined) {
      throw new Error(
        `${name} is not set: run test/env/up first (it writes test/env/out/env.sh, which the ` +
          'integration suites load and a bench needs sourced), or set ' +
          'LAMINA_TEST_SERVICES=testcontainers',
      );
    }
    return value;
  },

  /** The value of an endpoint variable, or undefined when it is unset or empty. */
  optional(name: TestEnvName): string | undefined {
    return read(name);
  },

  /** KAFKA_BROKERS as a list (`host:port,host:port`). */
  kafkaBrokers(): string[] {
    return testEnv
      .require('KAFKA_BROKERS')
      .split(',')
      .filter((b) => b !== '');
  },

  /** Where setup scripts keep runtimes and toolchains: LAMINA_CACHE_DIR, else ~/.cache/lamina. */
  cacheDir(): string {
    return read('LAMINA_CACHE_DIR') ?? join(read('HOME') ?? homedir(), '.cache/lamina');
  },

  /**
   * This process's environment with `overrides` on top, for a child process; an override of
   * `undefined` removes the variable (REDIS_URL: undefined makes `lamina dev` use a private Redis).
   */
  forChild(overrides: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
    const merged = { ...process.env, ...overrides };
    return Object.fromEntries(
      Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined),
    );
  },
};

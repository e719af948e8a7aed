import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Global setup of the `integration` Vitest project: puts the endpoints of the real services into
 * the environment the suites read (REDIS_URL, REDIS_DURABLE_URL, KAFKA_BROKERS, KUBECONFIG, ...).
 *
 * LAMINA_TEST_SERVICES selects where Redis and Kafka come from:
 *   env (default)    the host processes `test/env/up` started; endpoints from test/env/out/env.sh
 *   testcontainers   containers started here through testcontainers (a developer machine with
 *                    Docker and registry access), stopped when the run ends. Kubernetes still
 *                    comes from env.sh (`test/env/up kube`).
 * Variables already set win over env.sh, so a developer can point the suites elsewhere.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const mode = process.env['LAMINA_TEST_SERVICES'] ?? 'env';
  if (mode !== 'env' && mode !== 'testcontainers') {
    throw new Error(`LAMINA_TEST_SERVICES must be 'env' or 'testcontainers', not '${mode}'`);
  }
  let teardown: (() => Promise<void>) | undefined;
  if (mode === 'testcontainers') {
    const { startTestcontainers } = await import('./env/testcontainers.js');
    const services = await startTestcontainers();
    Object.assign(process.env, services.env);
    teardown = services.stop;
  }
  loadEnvFile(fileURLToPath(new URL('./env/out/env.sh', import.meta.url)));
  return teardown;
}

/** Reads `export NAME=value` lines (the only form test/env/up writes); set variables win. */
function loadEnvFile(file: string): void {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export\s+([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    const value = m[2].replace(/^['"]|['"]$/g, '');
    process.env[m[1]] ??= value;
  }
}

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import { chartContainer, type ChartContainer } from './chart.js';
import { type Container, Images, type Service, SERVICES } from './images.js';
import { bridgeGateway, dockerOk, run, startRedis } from './docker.js';

// The platform's images as the chart runs them: images/build.sh builds lamina/<service> under a
// tag of this run, then each runs with its Deployment's env, port, uid, read-only root, no
// capabilities, emptyDir mounts as tmpfs and memory limit (taken from deploy/lamina.yaml, the
// chart rendered with default values), ports published on 127.0.0.1 only. Redis is a
// redis-server of our own on the docker bridge's address (the test env's binds loopback, which a
// container cannot reach). The API server parts are in images-cluster.int.test.ts.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const haveDocker = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
const runId = randomBytes(4).toString('hex');
const TAG = `0.1.0-test.${runId}`;
const BUILD = join(ROOT, 'images/build.sh');
// Node.js 22 of this test run goes into the images, as `command -v node` would give it.
const buildEnv = {
  PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
  LAMINA_IMAGE_TAG: TAG,
};
const fields = { 'metadata.namespace': 'lamina-system', 'metadata.name': `op-${runId}` };
const chart = Object.fromEntries(
  SERVICES.map((s) => [s, chartContainer(join(ROOT, 'deploy/lamina.yaml'), s, fields)]),
) as Record<Service, ChartContainer>;

describe.skipIf(!haveDocker)(
  haveDocker ? 'platform images' : 'platform images (skipped: `docker info` failed, no Docker)',
  () => {
    const images = new Images({ runId, tag: TAG, chart });
    let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
    let built: string[] = [];

    beforeAll(async () => {
      const [r, host] = await Promise.all([
        run(BUILD, [], buildEnv),
        bridgeGateway().then((h) => startRedis(h)),
      ]);
      redis = host;
      if (r.code !== 0) throw new Error(`images/build.sh failed (${r.code}):\n${r.stderr}`);
      built = r.stdout.trim().split('\n');
    }, 600_000);

    afterAll(async () => {
      await images.cleanUp();
      await redis?.stop();
    });

    it('builds lamina/<service>:<tag> as the chart names them: Node.js 22, uid 10001, its port', async () => {
      expect(built).toEqual(SERVICES.map((s) => `lamina/${s}:${TAG}`));
      // The chart's default tag is the script's default tag.
      const defaultTag = /LAMINA_IMAGE_TAG:-([^}]+)\}/.exec(readFileSync(BUILD, 'utf8'))?.[1];
      for (const s of SERVICES) {
        expect(chart[s].image).toBe(`lamina/${s}:${defaultTag ?? '?'}`);
        const config = JSON.parse(
          await dockerOk(['image', 'inspect', '--format', '{{json .Config}}', images.ref(s)]),
        ) as {
          User: string;
          Entrypoint: string[];
          ExposedPorts: Record<string, unknown>;
          Labels: Record<string, string>;
        };
        expect(config.User).toBe(`${chart[s].runAsUser}:${chart[s].runAsUser}`);
        expect(config.Entrypoint).toEqual(['/opt/lamina/bin/node', '/opt/lamina/dist/main.mjs']);
        expect(Object.keys(config.ExposedPorts)).toEqual([`${chart[s].port}/tcp`]);
        expect(config.Labels['dev.lamina.image-content']).toMatch(/^[0-9a-f]{64}$/);
        expect(config.Labels['dev.lamina.service']).toBe(s);
      }
      const node = await dockerOk([
        'run', '--rm', '--entrypoint', '/opt/lamina/bin/node', images.ref('poller'), '--version',
      ]); // prettier-ignore
      expect(node).toMatch(/^v22\./);
    });

    it('keeps every image on a second build; --force rebuilds under the same tag', async () => {
      const ids = await Promise.all(SERVICES.map((s) => images.id(s)));
      const again = await run(BUILD, [], buildEnv);
      expect(again.code).toBe(0);
      expect(again.stdout.trim().split('\n')).toEqual(built);
      expect(again.stderr.match(/: up to date/g)).toHaveLength(4);
      expect(await Promise.all(SERVICES.map((s) => images.id(s)))).toEqual(ids);

      const forced = await run(BUILD, ['--force', 'poller'], buildEnv);
      expect(forced.code).toBe(0);
      expect(forced.stdout.trim()).toBe(images.ref('poller'));
      expect(forced.stderr).toContain(`docker build ${images.ref('poller')}`);
    });

    it('refuses the tag latest and unknown services', async () => {
      const latest = await run(BUILD, ['poller'], { ...buildEnv, LAMINA_IMAGE_TAG: 'latest' });
      expect(latest.code).toBe(1);
      expect(latest.stderr).toContain('must be pinned, not latest');
      const unknown = await run(BUILD, ['worker'], buildEnv);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown argument worker');
    });

    it.each(['gateway', 'dispatcher', 'poller'] as const)(
      '%s: without REDIS_URL it names the problem and exits 1',
      async (s) => {
        const env = Object.fromEntries(
          Object.entries(chart[s].env).filter(([k]) => k !== 'REDIS_URL'),
        );
        const r = await images.runOnce(s, env);
        expect(r.code).toBe(1);
        expect(r.stdout + r.stderr).toMatch(/REDIS_URL: (is required|Invalid input)/);
      },
    );

    it('operator: an invalid environment is listed and exits 1', async () => {
      const env = { ...chart.operator.env, LAMINA_WORKER_IMAGE_TAG: 'latest' };
      const r = await images.runOnce('operator', env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('invalid operator configuration');
      expect(r.stderr).toContain('LAMINA_WORKER_IMAGE_TAG');
    });

    it.each(['dispatcher', 'poller'] as const)(
      "%s: runs locked down with the chart's env; probes and /metrics answer; docker stop exits 0",
      async (s) => {
        const c: Container = await images.start(s, { ...chart[s].env, REDIS_URL: redisUrl() });
        await c.probe(chart[s].readinessPath);
        await c.probe(chart[s].livenessPath);
        const metrics = await c.get('/metrics');
        expect(metrics.status).toBe(200);
        expect(metrics.text).toMatch(/^# TYPE lamina_\w+ /m);
        const end = await c.stop();
        expect(end.logs).toContain(`lamina ${s} running`);
        expect(end.exitCode).toBe(0);
      },
    );

    it('gateway: with Redis but no API server it takes no traffic until its caches have synced', async () => {
      const c = await images.start('gateway', { ...chart.gateway.env, REDIS_URL: redisUrl() });
      await eventually(
        async () =>
          (await c.logs()).includes('informer stopped on an error; restarting') ? true : undefined,
        { what: 'gateway informers retrying', timeoutMs: 90_000 },
      );
      const ready = await c.get(chart.gateway.readinessPath).then(
        (r) => r.status,
        () => 'not listening',
      );
      expect(ready).not.toBe(200);
      const end = await c.stop();
      expect(end.logs).not.toContain('gateway listening (cluster mode)');
    });

    it('operator: starts without an API server; probes answer while it campaigns', async () => {
      const c = await images.start('operator', chart.operator.env);
      await c.probe(chart.operator.readinessPath);
      await c.probe(chart.operator.livenessPath);
      expect((await c.get('/metrics')).text).toContain('lamina_operator_');
      const end = await c.stop();
      expect(end.logs).toContain('operator started; campaigning');
      expect(end.logs).toContain('lease acquire/renew failed');
      expect(end.exitCode).toBe(0);
    });

    function redisUrl(): string {
      if (redis === undefined) throw new Error('no redis');
      return redis.url;
    }
  },
);

import { describe, expect, it } from 'vitest';

import { loadConfig } from '../config.js';
import { buildPoolDeployment } from './pool-deployment.js';

const config = loadConfig({
  LAMINA_WORKER_CODE_DELIVERY: 'http',
  LAMINA_WORKER_CODE_URL: 'http://gw.lamina-system.svc',
  LAMINA_WARM_POOL_SIZE: '1',
});

describe('the generic pool Deployment', () => {
  it("gives Lambda's default /tmp as a tmpfs, a /var/task and one PID namespace", () => {
    const d = buildPoolDeployment({
      namespace: 'team-a',
      runtime: 'nodejs22.x',
      replicas: 1,
      pool: config.warmPool,
      worker: config.worker,
    });
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.volumes).toContainEqual({
      name: 'tmp',
      emptyDir: { medium: 'Memory', sizeLimit: '512Mi' },
    });
    expect(pod.volumes).toContainEqual({ name: 'task', emptyDir: { sizeLimit: '250Mi' } });
    expect(c.volumeMounts).toContainEqual({ name: 'task', mountPath: '/var/task', readOnly: true });
    expect(c.volumeMounts).toContainEqual({ name: 'task', mountPath: '/var/lamina/task' });
    expect(c.resources?.limits?.['memory']).toBe(
      `${String(config.warmPool.memoryMb + config.worker.memoryOverheadMb + 512)}Mi`,
    );
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      LAMINA_TASK_DIR: '/var/lamina/task',
      LAMINA_TASK_VIEW: '/var/task',
      LAMINA_KILL_STRAYS: 'true',
    });
    expect(pod.shareProcessNamespace).toBe(true);
  });
});

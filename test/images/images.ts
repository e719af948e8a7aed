import { eventually } from '@lamina/testkit';

import type { ChartContainer } from './chart.js';
import { docker, dockerOk, type Run } from './docker.js';

export const SERVICES = ['gateway', 'operator', 'dispatcher', 'poller'] as const;
export type Service = (typeof SERVICES)[number];

/** A running container of one image, its port published on 127.0.0.1. */
export interface Container {
  readonly id: string;
  readonly url: string;
  /** Waits until `path` answers 200. */
  probe(path: string): Promise<void>;
  get(path: string): Promise<{ status: number; text: string }>;
  /** Everything it printed so far. */
  logs(): Promise<string>;
  /** `docker stop` (SIGTERM, then SIGKILL after 30 s): exit code and everything it printed. */
  stop(): Promise<{ exitCode: number; logs: string }>;
}

/** The images of one test run and the containers it starts (labelled, so cleanUp finds them). */
export class Images {
  private readonly label: string;
  private readonly tag: string;
  private readonly chart: Readonly<Record<Service, ChartContainer>>;

  constructor(o: { runId: string; tag: string; chart: Readonly<Record<Service, ChartContainer>> }) {
    this.label = `dev.lamina.test=images-${o.runId}`;
    this.tag = o.tag;
    this.chart = o.chart;
  }

  ref(s: Service): string {
    return `lamina/${s}:${this.tag}`;
  }

  id(s: Service): Promise<string> {
    return dockerOk(['image', 'inspect', '--format', '{{.Id}}', this.ref(s)]);
  }

  /** `docker run` options of the chart's pod: uid, read-only root, no capabilities, mounts. */
  lockdown(s: Service): string[] {
    const c = this.chart[s];
    return [
      '--label', this.label,
      ...(c.readOnlyRootFilesystem ? ['--read-only'] : []),
      '--user', `${c.runAsUser}:${c.runAsUser}`,
      ...(c.dropsAll ? ['--cap-drop', 'ALL'] : []),
      '--security-opt', 'no-new-privileges',
      '--memory', c.memoryLimit,
      // emptyDir volumes: writable by the pod's fsGroup, here by everyone.
      ...c.mounts.flatMap((m) => ['--tmpfs', `${m}:rw,mode=1777,size=256m`]),
    ]; // prettier-ignore
  }

  /** Runs the image to its end (for configuration errors). */
  runOnce(s: Service, env: Readonly<Record<string, string>>): Promise<Run> {
    return docker(['run', '--rm', ...this.lockdown(s), ...envArgs(env), this.ref(s)]);
  }

  async start(
    s: Service,
    env: Readonly<Record<string, string>>,
    extra: readonly string[] = [],
  ): Promise<Container> {
    const port = this.chart[s].port;
    const id = await dockerOk([
      'run', '-d', ...this.lockdown(s), '-p', `127.0.0.1::${port}`, ...envArgs(env), ...extra,
      this.ref(s),
    ]); // prettier-ignore
    const logs = async (): Promise<string> => {
      const r = await docker(['logs', id]);
      return r.stdout + r.stderr;
    };
    const hostPort = (await dockerOk(['port', id, `${port}/tcp`])).split('\n')[0] ?? '';
    const url = `http://${hostPort}`;
    const get = async (path: string) => {
      const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) });
      return { status: res.status, text: await res.text() };
    };
    return {
      id,
      url,
      get,
      logs,
      probe: async (path) => {
        try {
          await eventually(async () => ((await get(path)).status === 200 ? true : undefined), {
            what: `${s} ${path}`,
            timeoutMs: 30_000,
          });
        } catch (err) {
          throw new Error(`${String(err)}\n${await logs()}`);
        }
      },
      stop: async () => {
        await dockerOk(['stop', '-t', '30', id]);
        const exitCode = Number(await dockerOk(['inspect', '--format', '{{.State.ExitCode}}', id]));
        const text = await logs();
        await docker(['rm', '-f', id]);
        return { exitCode, logs: text };
      },
    };
  }

  /** Removes this run's containers and images. */
  async cleanUp(): Promise<void> {
    const ids = (await docker(['ps', '-aq', '--filter', `label=${this.label}`])).stdout
      .split('\n')
      .filter((l) => l !== '');
    if (ids.length > 0) await docker(['rm', '-f', ...ids]);
    await docker(['image', 'rm', ...SERVICES.map((s) => this.ref(s))]);
  }
}

function envArgs(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
}

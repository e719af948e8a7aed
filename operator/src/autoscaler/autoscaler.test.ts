/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are data-only classes; fakes use plain objects like its examples. */
import { type DemandCounts, NO_DEMAND } from '@lamina/core';
import type { Timers } from '@lamina/kube';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';

import { Autoscaler } from './autoscaler.js';
import { createAutoscalerMetrics } from './autoscaler-metrics.js';
import { DEFAULT_SCALING, type ScalingSettings } from './decide.js';
import type { VersionDemand } from './demand-reader.js';
import type { ScaleTarget } from './scale-targets.js';

const T0 = 5_000_000;

function target(functionName: string, version = '$LATEST', over: Partial<ScaleTarget> = {}) {
  const t = { namespace: 'ns', functionName, version };
  const slug = version === '$LATEST' ? 'latest' : `v${version}`;
  return {
    key: `ns/${functionName}/${version}`,
    target: t,
    deploymentName: `${functionName}-${slug}`,
    current: 0,
    ready: 0,
    provisioned: 0,
    reserved: undefined,
    idleWindowMs: 600_000,
    owner: { kind: 'Function', metadata: { name: functionName, namespace: 'ns' } },
    ...over,
  } satisfies ScaleTarget;
}

class FakeTimers implements Timers {
  readonly pending = new Map<number, () => void>();
  private next = 1;
  setTimeout(fn: () => void): unknown {
    const id = this.next++;
    this.pending.set(id, fn);
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fire(): void {
    const fns = [...this.pending.values()];
    this.pending.clear();
    for (const fn of fns) fn();
  }
}

function setup(
  o: { targets?: ScaleTarget[]; account?: number; settings?: Partial<ScalingSettings> } = {},
) {
  const world = {
    now: T0,
    targets: o.targets ?? [target('hello')],
    demand: new Map<string, VersionDemand>(),
    failRead: false,
    failWrite: false,
  };
  const writes: [string, string, number][] = [];
  const events = { emit: vi.fn() };
  const registry = new Registry();
  const metrics = createAutoscalerMetrics(registry);
  const timers = new FakeTimers();
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const scaler = new Autoscaler({
    targets: () => world.targets,
    demand: {
      read: () =>
        world.failRead ? Promise.reject(new Error('redis down')) : Promise.resolve(world.demand),
    },
    replicas: {
      setReplicas: (ns, name, n) => {
        if (world.failWrite) return Promise.reject(new Error('forbidden'));
        writes.push([ns, name, n]);
        return Promise.resolve();
      },
    },
    events,
    metrics,
    settings: { ...DEFAULT_SCALING, ...o.settings },
    tickMs: 2000,
    accountConcurrency: o.account ?? 1000,
    logger,
    now: () => world.now,
    timers,
  });
  const report = (t: ScaleTarget, counts: Partial<DemandCounts>, lastActiveMs = world.now) => {
    world.demand.set(t.key, {
      target: t.target,
      counts: { ...NO_DEMAND, ...counts },
      lastActiveMs,
    });
  };
  return { world, writes, events, registry, timers, scaler, report };
}

describe('Autoscaler', () => {
  it('scales a burst from zero at once, with an Event, and does not repeat it', async () => {
    const s = setup();
    const hello = s.world.targets[0]!;
    s.report(hello, { waiting: 20 });
    await s.scaler.tick();
    expect(s.writes).toEqual([['ns', 'hello-latest', 20]]);
    expect(s.events.emit).toHaveBeenCalledWith(
      hello.owner,
      'Normal',
      'ScaledUp',
      expect.stringContaining('hello-latest: 0 → 20 environments (panic;'),
    );
    // The Deployment cache has not caught up yet: no second write.
    s.world.now += 2000;
    await s.scaler.tick();
    expect(s.writes).toHaveLength(1);
    const text = await s.registry.metrics();
    expect(text).toMatch(/lamina_autoscaler_desired_environments\{[^}]*function="hello"[^}]*\} 20/);
    expect(text).toMatch(/lamina_autoscaler_scalings_total\{direction="up",reason="panic"\} 1/);
  });

  it('skips a tick whose demand it cannot read', async () => {
    const s = setup({ targets: [target('hello', '$LATEST', { current: 3, ready: 3 })] });
    s.world.failRead = true;
    await s.scaler.tick();
    expect(s.writes).toEqual([]);
    expect(await s.registry.metrics()).toMatch(/lamina_autoscaler_errors_total\{stage="read"\} 1/);
  });

  it('shares the account headroom within a tick', async () => {
    const a = target('a');
    const b = target('b');
    const s = setup({ targets: [a, b], account: 10 });
    s.report(a, { waiting: 8 });
    s.report(b, { waiting: 8 });
    await s.scaler.tick();
    expect(s.writes).toEqual([
      ['ns', 'a-latest', 8],
      ['ns', 'b-latest', 2],
    ]);
  });

  it('applies the scale-up rate per function across its versions', async () => {
    const latest = target('fn');
    const v2 = target('fn', '2');
    const other = target('other');
    const s = setup({ targets: [latest, v2, other], settings: { scaleUpLimit: 10 } });
    for (const t of [latest, v2, other]) s.report(t, { waiting: 8 });
    await s.scaler.tick();
    expect(s.writes).toEqual([
      ['ns', 'fn-latest', 8],
      ['ns', 'fn-v2', 2],
      ['ns', 'other-latest', 8],
    ]);
  });

  it('gives back the rate budget of a write that failed', async () => {
    const s = setup({ settings: { scaleUpLimit: 10 } });
    const hello = s.world.targets[0]!;
    s.report(hello, { waiting: 10 });
    s.world.failWrite = true;
    await s.scaler.tick();
    expect(await s.registry.metrics()).toMatch(/lamina_autoscaler_errors_total\{stage="scale"\} 1/);
    s.world.failWrite = false;
    s.world.now += 2000;
    await s.scaler.tick();
    expect(s.writes).toEqual([['ns', 'hello-latest', 10]]);
  });

  it('goes to zero once the idle window has passed', async () => {
    const hello = target('hello', '$LATEST', { current: 1, ready: 1, idleWindowMs: 60_000 });
    const s = setup({ targets: [hello] });
    s.report(hello, {}, T0 - 59_000);
    await s.scaler.tick();
    expect(s.writes).toEqual([]);
    s.world.now += 2000;
    await s.scaler.tick();
    expect(s.writes).toEqual([['ns', 'hello-latest', 0]]);
    expect(s.events.emit).toHaveBeenCalledWith(
      hello.owner,
      'Normal',
      'ScaledDown',
      expect.stringContaining('1 → 0 environments (idle;'),
    );
  });

  it('a wake scales a version at once, before any report', async () => {
    const s = setup();
    s.scaler.start();
    s.timers.fire(); // the first tick: no demand, nothing to do
    await vi.waitFor(() => {
      expect(s.timers.pending.size).toBe(1); // the next tick is scheduled
    });
    s.scaler.wake({
      target: { namespace: 'ns', functionName: 'hello', version: '$LATEST' },
      waiting: 1,
    });
    s.timers.fire();
    await vi.waitFor(() => {
      expect(s.writes).toEqual([['ns', 'hello-latest', 1]]);
    });
    await Promise.all([s.scaler.stop(), s.scaler.stop()]);
    expect(s.timers.pending.size).toBe(0);
    s.scaler.wake({
      target: { namespace: 'ns', functionName: 'hello', version: '$LATEST' },
      waiting: 1,
    });
    expect(s.timers.pending.size).toBe(0);
  });

  it('forgets the gauges of a version that is gone', async () => {
    const s = setup();
    s.report(s.world.targets[0]!, { inFlight: 1 });
    await s.scaler.tick();
    expect(await s.registry.metrics()).toContain('function="hello"');
    s.world.targets = [];
    await s.scaler.tick();
    expect(await s.registry.metrics()).not.toContain('function="hello"');
  });

  it('records environments by state, started environments and cold calls', async () => {
    const s = setup({
      targets: [target('hello', '$LATEST', { current: 2, ready: 1, starting: 1 })],
    });
    s.report(s.world.targets[0]!, { inFlight: 1, waiting: 3 });
    s.scaler.wake({
      target: { namespace: 'ns', functionName: 'hello', version: '$LATEST' },
      waiting: 3,
    });
    await s.scaler.tick();
    expect(s.writes).toEqual([['ns', 'hello-latest', 4]]);
    const text = await s.registry.metrics();
    const sel = 'namespace="ns",function="hello",version="$LATEST"';
    expect(text).toContain(`lamina_autoscaler_environments{${sel},state="busy"} 1`);
    expect(text).toContain(`lamina_autoscaler_environments{${sel},state="starting"} 1`);
    expect(text).toContain(`lamina_autoscaler_environments_started_total{${sel}} 2`);
    expect(text).toContain(`lamina_autoscaler_cold_calls_total{${sel}} 1`);
  });
});

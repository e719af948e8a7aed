/**
 * Wires the autoscaler for the leader (ADR 0017): two Redis connections (commands, and the
 * subscription the wake channel needs), the demand reader, the scaling loop over the informer
 * caches, and its metrics. Called by `main.ts` only when `LAMINA_AUTOSCALER` is on.
 *
 * Invariant: the returned handle stops in reverse order of start — loop, wake listener,
 * connections — and is idempotent, so the operator's lifecycle can stop it at any point.
 */
import type { AppsV1Api } from '@kubernetes/client-node';
import { demandKeys, Lifecycle } from '@lamina/core';
import type { KubeLogger } from '@lamina/kube';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';

import type { EventSink } from '../kube/event-recorder.js';
import type { Informers } from '../kube/informers.js';
import type { AutoscalerConfig } from './autoscaler-config.js';
import { createAutoscalerMetrics } from './autoscaler-metrics.js';
import { Autoscaler } from './autoscaler.js';
import { RedisDemandReader } from './demand-reader.js';
import { KubeReplicaWriter } from './replica-writer.js';
import { scaleTargetsOf } from './scale-targets.js';
import { WakeListener } from './wake-listener.js';

export interface StartAutoscalerOptions {
  readonly config: AutoscalerConfig & { readonly redisUrl: string };
  readonly informers: Pick<Informers, 'functions' | 'versions' | 'deployments'>;
  readonly apps: AppsV1Api;
  readonly events: EventSink;
  readonly registry: Registry;
  readonly logger: KubeLogger;
}

export interface AutoscalerHandle {
  readonly name: string;
  stop(): Promise<void>;
}

export function startAutoscaler(o: StartAutoscalerOptions): AutoscalerHandle {
  const { config, informers } = o;
  const lifecycle = new Lifecycle();
  // Commands fail fast (a tick without demand is skipped); the subscription waits for Redis.
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const subscriber = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  for (const r of [redis, subscriber]) {
    r.on('error', (err: unknown) => {
      o.logger.warn({ err }, 'autoscaler: Redis connection error');
    });
  }
  // Nothing is ever written through them: disconnecting loses nothing and cannot hang.
  lifecycle.add({
    name: 'autoscaler-redis',
    stop: () => {
      redis.disconnect();
    },
  });
  lifecycle.add({
    name: 'autoscaler-subscriber',
    stop: () => {
      subscriber.disconnect();
    },
  });

  const keys = demandKeys(config.redisPrefix);
  const autoscaler = new Autoscaler({
    targets: () =>
      scaleTargetsOf({
        functions: informers.functions.list(),
        versions: informers.versions.list(),
        deployment: (namespace, name) => informers.deployments.get(name, namespace),
        defaultIdleWindowMs: config.idleWindowMs,
      }),
    demand: new RedisDemandReader({ redis, keys }),
    replicas: new KubeReplicaWriter(o.apps),
    events: o.events,
    metrics: createAutoscalerMetrics(o.registry),
    settings: config.scaling,
    tickMs: config.tickMs,
    accountConcurrency: config.accountConcurrency,
    logger: o.logger,
  });
  const wakes = new WakeListener({
    subscriber,
    keys,
    onWake: (w) => {
      autoscaler.wake(w);
    },
  });
  lifecycle.add(wakes);
  lifecycle.add(autoscaler);
  // Not awaited: a Redis that is down now only delays scaling (each tick reads demand anew).
  wakes.start().catch((err: unknown) => {
    o.logger.warn({ err }, 'autoscaler: could not subscribe to wake signals');
  });
  autoscaler.start();
  o.logger.info({ tickMs: config.tickMs }, 'autoscaler started');
  return {
    name: 'autoscaler',
    stop: async () => {
      const errors = await lifecycle.stop();
      for (const err of errors) o.logger.warn({ err }, 'autoscaler: stop error');
    },
  };
}

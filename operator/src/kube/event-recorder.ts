/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import { randomBytes } from 'node:crypto';

import type { CoreV1Api, KubernetesObject } from '@kubernetes/client-node';

export type EventType = 'Normal' | 'Warning';

/** Records Kubernetes Events about an object; a fake collects them in unit tests. */
export interface EventSink {
  emit(obj: KubernetesObject, type: EventType, reason: string, message: string): void;
}

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * Writes core/v1 Events (what `kubectl describe` shows). Fire and forget: a lost Event is
 * logged, never a reconcile failure.
 */
export class KubeEventRecorder implements EventSink {
  constructor(
    private readonly options: {
      readonly core: CoreV1Api;
      readonly component: string;
      readonly instance: string;
      readonly logger: Logger;
      readonly now?: () => Date;
    },
  ) {}

  emit(obj: KubernetesObject, type: EventType, reason: string, message: string): void {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace ?? 'default';
    const now = (this.options.now ?? (() => new Date()))();
    const body = {
      metadata: {
        name: `${meta.name ?? 'object'}.${now.getTime().toString(16)}${randomBytes(2).toString('hex')}`,
        namespace,
      },
      involvedObject: {
        ...(obj.apiVersion === undefined ? {} : { apiVersion: obj.apiVersion }),
        ...(obj.kind === undefined ? {} : { kind: obj.kind }),
        ...(meta.name === undefined ? {} : { name: meta.name }),
        namespace,
        ...(meta.uid === undefined ? {} : { uid: meta.uid }),
        ...(meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion }),
      },
      type,
      reason,
      message: message.slice(0, 1024),
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.options.component },
      reportingComponent: this.options.component,
      reportingInstance: this.options.instance,
    };
    this.options.core.createNamespacedEvent({ namespace, body }).catch((err: unknown) => {
      this.options.logger.warn({ err, reason, object: meta.name }, 'could not record an Event');
    });
  }
}

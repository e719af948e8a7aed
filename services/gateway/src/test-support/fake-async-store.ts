import {
  type AsyncFunctionConfig,
  type AsyncJobData,
  asyncConfigQualifier,
  type TargetMessage,
} from '@lamina/core';

import type { AsyncStore } from '../async/async-store.js';

/** An in-memory AsyncStore; `failEnqueue` makes Redis "refuse" events. */
export class FakeAsyncStore implements AsyncStore {
  readonly jobs: AsyncJobData[] = [];
  readonly configs = new Map<string, AsyncFunctionConfig>();
  readonly queues = new Map<string, TargetMessage[]>();
  failEnqueue = false;

  enqueue(job: AsyncJobData): Promise<void> {
    if (this.failEnqueue) return Promise.reject(new Error('READONLY You cannot write'));
    this.jobs.push(job);
    return Promise.resolve();
  }
  getConfig(name: string): Promise<AsyncFunctionConfig | undefined> {
    return Promise.resolve(this.configs.get(name));
  }
  putConfig(name: string, config: AsyncFunctionConfig): Promise<void> {
    this.configs.set(name, config);
    return Promise.resolve();
  }
  listConfigs(name: string): Promise<{ qualifier: string; config: AsyncFunctionConfig }[]> {
    const out = [...this.configs].flatMap(([field, config]) => {
      const qualifier = asyncConfigQualifier(name, field);
      return qualifier === undefined ? [] : [{ qualifier, config }];
    });
    return Promise.resolve(out.sort((a, b) => a.qualifier.localeCompare(b.qualifier)));
  }
  deleteConfig(name: string): Promise<boolean> {
    return Promise.resolve(this.configs.delete(name));
  }
  deleteConfigs(name: string): Promise<void> {
    for (const field of [...this.configs.keys()]) {
      if (asyncConfigQualifier(name, field) !== undefined) this.configs.delete(field);
    }
    return Promise.resolve();
  }
  readQueue(name: string, max: number, peek: boolean): Promise<TargetMessage[]> {
    const q = this.queues.get(name) ?? [];
    return Promise.resolve(peek ? q.slice(0, max) : q.splice(0, max));
  }
}

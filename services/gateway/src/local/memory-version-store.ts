import {
  type AliasRecord,
  type ArnContext,
  type PublishDecision,
  type VersionRecord,
  type VersionStore,
  aliasExists,
  aliasNotFound,
  versionInUse,
  versionNotFound,
} from '@lamina/core';

import { IndexedVersionReads } from './version-index.js';

/**
 * Versions and aliases kept in memory only: the store of a gateway without a state folder
 * and of unit tests. Same contract and errors as the file and cluster stores.
 */
export class MemoryVersionStore extends IndexedVersionReads implements VersionStore {
  private readonly listeners = new Set<(functionName: string) => void>();

  constructor(private readonly arnContext: ArnContext) {
    super();
  }

  publish(
    functionName: string,
    decide: (last: VersionRecord | undefined, nextVersion: string) => PublishDecision,
  ): Promise<PublishDecision> {
    const decision = decide(
      this.index.last(functionName),
      String(this.index.nextNumber(functionName)),
    );
    if (decision.kind === 'create') {
      this.index.putVersion(decision.record);
      this.emit(functionName);
    }
    return Promise.resolve(decision);
  }

  deleteVersion(functionName: string, version: string): Promise<void> {
    if (this.index.getVersion(functionName, version) === undefined) {
      return Promise.reject(versionNotFound(this.arnContext, functionName, version));
    }
    const using = this.index.aliasesUsing(functionName, version);
    if (using.length > 0) return Promise.reject(versionInUse(using));
    this.index.removeVersion(functionName, version);
    this.emit(functionName);
    return Promise.resolve();
  }

  createAlias(alias: AliasRecord): Promise<void> {
    if (this.index.getAlias(alias.functionName, alias.name) !== undefined) {
      return Promise.reject(aliasExists(this.arnContext, alias.functionName, alias.name));
    }
    this.index.putAlias(alias);
    this.emit(alias.functionName);
    return Promise.resolve();
  }

  updateAlias(
    functionName: string,
    name: string,
    change: (current: AliasRecord) => AliasRecord,
  ): Promise<AliasRecord> {
    const current = this.index.getAlias(functionName, name);
    if (current === undefined) {
      return Promise.reject(aliasNotFound(this.arnContext, functionName, name));
    }
    return Promise.resolve().then(() => {
      const next = { ...change(current), functionName, name };
      this.index.putAlias(next);
      this.emit(functionName);
      return next;
    });
  }

  deleteAlias(functionName: string, name: string): Promise<void> {
    if (this.index.getAlias(functionName, name) === undefined) {
      return Promise.reject(aliasNotFound(this.arnContext, functionName, name));
    }
    this.index.removeAlias(functionName, name);
    this.emit(functionName);
    return Promise.resolve();
  }

  deleteFunction(functionName: string): Promise<void> {
    this.index.removeFunction(functionName);
    this.emit(functionName);
    return Promise.resolve();
  }

  onChange(listener: (functionName: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private emit(functionName: string): void {
    for (const l of this.listeners) l(functionName);
  }
}

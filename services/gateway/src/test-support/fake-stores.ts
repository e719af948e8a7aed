import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';

import {
  type CodeArtifact,
  type CodeStore,
  type FunctionRecord,
  type FunctionStore,
  LaminaError,
  type ZipSource,
} from '@lamina/core';

/** In-memory FunctionStore with the contract's errors and change events. */
export class FakeFunctionStore implements FunctionStore {
  readonly records = new Map<string, FunctionRecord>();
  private readonly listeners = new Set<(name: string) => void>();

  get(name: string): FunctionRecord | undefined {
    return this.records.get(name);
  }
  list(): readonly FunctionRecord[] {
    return [...this.records.values()];
  }
  create(record: FunctionRecord): Promise<void> {
    const name = record.spec.name;
    if (this.records.has(name)) {
      return Promise.reject(
        new LaminaError('ResourceConflictException', `Function already exist: ${name}`),
      );
    }
    this.records.set(name, record);
    this.emit(name);
    return Promise.resolve();
  }
  update(
    name: string,
    change: (current: FunctionRecord) => FunctionRecord,
  ): Promise<FunctionRecord> {
    const current = this.records.get(name);
    if (current === undefined) return Promise.reject(notFound(name));
    const next = change(current);
    this.records.set(name, next);
    this.emit(name);
    return Promise.resolve(next);
  }
  delete(name: string): Promise<FunctionRecord> {
    const current = this.records.get(name);
    if (current === undefined) return Promise.reject(notFound(name));
    this.records.delete(name);
    this.emit(name);
    return Promise.resolve(current);
  }
  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  private emit(name: string): void {
    for (const l of this.listeners) l(name);
  }
}

function notFound(name: string): LaminaError {
  return new LaminaError('ResourceNotFoundException', `Function not found: ${name}`);
}

/** Content-addressed by SHA-256 like the real store, without unpacking anything. */
export class FakeCodeStore implements CodeStore {
  readonly zips = new Map<string, Buffer>();

  async putZip(source: ZipSource): Promise<CodeArtifact> {
    const zip = Buffer.isBuffer(source) ? source : await readFile(source.path);
    if (!Buffer.isBuffer(source)) await rm(source.path, { force: true });
    const digest = createHash('sha256').update(zip).digest();
    const hex = digest.toString('hex');
    this.zips.set(hex, zip);
    return {
      sha256: digest.toString('base64'),
      sha256Hex: hex,
      size: zip.length,
      dir: `/fake/code/${hex}`,
    };
  }
  get(sha256Hex: string): Promise<CodeArtifact | undefined> {
    const zip = this.zips.get(sha256Hex);
    if (zip === undefined) return Promise.resolve(undefined);
    return Promise.resolve({
      sha256: Buffer.from(sha256Hex, 'hex').toString('base64'),
      sha256Hex,
      size: zip.length,
      dir: `/fake/code/${sha256Hex}`,
    });
  }
  readZip(sha256Hex: string): Promise<Buffer | undefined> {
    return Promise.resolve(this.zips.get(sha256Hex));
  }
}

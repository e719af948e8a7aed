import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FunctionRecord } from '@lamina/core';

import { DiskCodeStore } from '../../code/disk-code-store.js';
import { FileFunctionStore, type FileFunctionStoreOptions } from '../file-function-store.js';

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg: string;
}

/**
 * A temp folder with `functions/` (manifests, plus a `hello/` code folder), `state/` and
 * `code/`, and the stores opened on it; `tearDown` closes them and removes the folder.
 */
export class StoreFixture {
  base = '';
  manifestsDir = '';
  stateDir = '';
  codeStore = new DiskCodeStore({ root: '' });
  logs: LogLine[] = [];
  private readonly stores: FileFunctionStore[] = [];
  readonly logger = {
    info: (obj: object, msg: string) => this.logs.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg: string) => this.logs.push({ level: 'warn', obj, msg }),
    error: (obj: object, msg: string) => this.logs.push({ level: 'error', obj, msg }),
  };

  async setUp(): Promise<void> {
    this.base = await mkdtemp(join(tmpdir(), 'lamina-fstore-'));
    this.manifestsDir = join(this.base, 'functions');
    this.stateDir = join(this.base, 'state');
    await mkdir(join(this.manifestsDir, 'hello'), { recursive: true });
    await writeFile(join(this.manifestsDir, 'hello', 'index.js'), 'exports.handler = 1;');
    this.codeStore = new DiskCodeStore({ root: join(this.base, 'code') });
    this.logs = [];
  }

  async tearDown(): Promise<void> {
    await Promise.all(this.stores.splice(0).map((s) => s.close()));
    await rm(this.base, { recursive: true, force: true });
  }

  /** A started store, as another process would have it. */
  async open(extra: Partial<FileFunctionStoreOptions> = {}): Promise<FileFunctionStore> {
    const store = new FileFunctionStore({
      manifestsDir: this.manifestsDir,
      stateDir: this.stateDir,
      codeStore: this.codeStore,
      supportedRuntimes: ['nodejs22.x'],
      arnContext: { region: 'us-east-1', accountId: '000000000000' },
      logger: this.logger,
      ...extra,
    });
    this.stores.push(store);
    await store.start();
    return store;
  }
}

export function record(name: string, memorySize = 128): FunctionRecord {
  return {
    spec: {
      name,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      description: '',
      role: 'arn:aws:iam::000000000000:role/r',
      memorySize,
      timeout: 3,
      ephemeralStorage: 512,
      environment: {},
      architectures: ['x86_64'],
    },
    code: { sha256: 'abc=', size: 10, location: '/code/abc' },
    lastModified: '2024-01-01T00:00:00.000+0000',
    revisionId: 'r1',
    state: 'Active',
    lastUpdateStatus: 'Successful',
    tags: {},
    source: 'api',
  };
}

/** A Function manifest; `code` is the line under `spec.code`, e.g. `path: ./hello`. */
export const manifest = (name: string, code: string): string => `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata:
  name: ${name}
spec:
  runtime: nodejs22.x
  handler: index.handler
  memorySize: 256
  code:
    ${code}
`;

/** The error a promise rejects with (fails when it resolves). */
export async function caught(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
}

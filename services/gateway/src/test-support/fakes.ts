import { createHash } from 'node:crypto';

import {
  type CodeArtifact,
  type CodeStore,
  type EnvironmentPool,
  type FunctionRecord,
  type FunctionStore,
  type FunctionVersionConfig,
  type Invocation,
  type InvocationResult,
  LaminaError,
  lambdaTimestamp,
  TooManyRequestsException,
} from '@lamina/core';
import { pino } from 'pino';
import { Registry } from 'prom-client';

import type { Admission, Lease } from '../admission.js';
import { createApp } from '../app.js';
import type { AppDeps } from '../deps.js';
import { createMetrics } from '../metrics.js';

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

  putZip(zip: Buffer): Promise<CodeArtifact> {
    const digest = createHash('sha256').update(zip).digest();
    const hex = digest.toString('hex');
    this.zips.set(hex, zip);
    return Promise.resolve({
      sha256: digest.toString('base64'),
      sha256Hex: hex,
      size: zip.length,
      dir: `/fake/code/${hex}`,
    });
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

export type InvokeHandler = (
  fn: FunctionVersionConfig,
  invocation: Invocation,
) => InvocationResult | Promise<InvocationResult>;

/** Echoes the payload unless a handler is set; records every call. */
export class FakePool implements EnvironmentPool {
  readonly calls: { fn: FunctionVersionConfig; invocation: Invocation }[] = [];
  readonly evicted: string[] = [];
  handler: InvokeHandler = (_fn, invocation) => ({
    payload: invocation.payload,
    executedVersion: '$LATEST',
    coldStart: false,
    durationMs: 1.5,
  });

  async invoke(fn: FunctionVersionConfig, invocation: Invocation): Promise<InvocationResult> {
    this.calls.push({ fn, invocation });
    return this.handler(fn, invocation);
  }
  evict(functionName: string): Promise<void> {
    this.evicted.push(functionName);
    return Promise.resolve();
  }
  busy(): ReadonlyMap<string, number> {
    return new Map();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The admission rules of RedisAdmission, in memory, for route tests. */
export class FakeAdmission implements Admission {
  readonly reserved = new Map<string, number>();
  readonly leases = new Map<string, Lease>();
  private seq = 0;

  constructor(
    readonly accountConcurrency = 1000,
    readonly minUnreserved = 100,
  ) {}

  acquire(functionName: string): Promise<Lease> {
    const reserved = this.reserved.get(functionName);
    const live = [...this.leases.values()];
    if (reserved !== undefined) {
      if (live.filter((l) => l.functionName === functionName).length >= reserved) {
        return Promise.reject(
          new TooManyRequestsException('ReservedFunctionConcurrentInvocationLimitExceeded'),
        );
      }
    } else if (live.filter((l) => l.pooled).length >= this.accountConcurrency - this.sum()) {
      return Promise.reject(new TooManyRequestsException('ConcurrentInvocationLimitExceeded'));
    }
    const lease = {
      functionName,
      id: String(++this.seq),
      pooled: reserved === undefined,
      expiresAt: Number.MAX_SAFE_INTEGER,
    };
    this.leases.set(lease.id, lease);
    return Promise.resolve(lease);
  }
  release(lease: Lease): Promise<void> {
    this.leases.delete(lease.id);
    return Promise.resolve();
  }
  setReserved(functionName: string, reserved: number | undefined): Promise<void> {
    if (reserved === undefined) {
      this.reserved.delete(functionName);
      return Promise.resolve();
    }
    const others = this.sum() - (this.reserved.get(functionName) ?? 0);
    if (this.accountConcurrency - others - reserved < this.minUnreserved) {
      return Promise.reject(
        new LaminaError(
          'InvalidParameterValueException',
          `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.minUnreserved}].`,
        ),
      );
    }
    this.reserved.set(functionName, reserved);
    return Promise.resolve();
  }
  reservedTotal(): Promise<number> {
    return Promise.resolve(this.sum());
  }
  inFlight(functionName: string): Promise<number> {
    return Promise.resolve(
      [...this.leases.values()].filter((l) => l.functionName === functionName).length,
    );
  }
  unreservedInFlight(): Promise<number> {
    return Promise.resolve([...this.leases.values()].filter((l) => l.pooled).length);
  }
  private sum(): number {
    let total = 0;
    for (const n of this.reserved.values()) total += n;
    return total;
  }
}

export const FIXED_NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

/** A stored record as CreateFunction would have made it. */
export function record(
  name: string,
  overrides: Partial<FunctionRecord['spec']> = {},
): FunctionRecord {
  return {
    spec: {
      name,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      description: '',
      role: 'arn:aws:iam::000000000000:role/lamina-default',
      memorySize: 128,
      timeout: 3,
      ephemeralStorage: 512,
      environment: {},
      architectures: ['x86_64'],
      ...overrides,
    },
    code: { sha256: 'c2hh', size: 3, location: `/fake/code/${name}` },
    lastModified: lambdaTimestamp(new Date(FIXED_NOW)),
    revisionId: `rev-${name}`,
    state: 'Active',
    lastUpdateStatus: 'Successful',
    tags: {},
    source: 'api',
  };
}

/** createApp with fakes; every fake is returned for arranging and asserting. */
export function fakeApp(overrides: Partial<AppDeps> = {}) {
  const functions = new FakeFunctionStore();
  const code = new FakeCodeStore();
  const pool = new FakePool();
  const admission = new FakeAdmission();
  const registry = new Registry();
  const state = { ready: true };
  const deps: AppDeps = {
    config: {
      region: 'us-east-1',
      accountId: '000000000000',
      accountConcurrency: 1000,
      minUnreservedConcurrency: 100,
    },
    functions,
    code,
    pool,
    admission,
    metrics: createMetrics(registry),
    registry,
    logger: pino({ level: 'silent' }),
    runtimes: ['nodejs22.x'],
    clock: { now: () => FIXED_NOW },
    ready: () => state.ready,
    ...overrides,
  };
  return { app: createApp(deps), functions, code, pool, admission, registry, state };
}

/** Lambda's error body. */
export interface ErrorBody {
  Type: string;
  message?: string;
  Message?: string;
  Reason?: string;
}

export interface FunctionConfigurationBody {
  FunctionName: string;
  FunctionArn: string;
  RevisionId: string;
  CodeSha256: string;
  State?: string;
  LastUpdateStatus?: string;
}

export interface GetFunctionBody {
  Configuration: FunctionConfigurationBody;
  Code: { RepositoryType: string; Location: string };
  Tags?: Record<string, string>;
  Concurrency?: { ReservedConcurrentExecutions: number };
}

export interface ListFunctionsBody {
  Functions: FunctionConfigurationBody[];
  NextMarker?: string;
}

/** supertest's `body` with the type the test expects. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed cast, on purpose
export function json<T = ErrorBody>(res: { body: unknown }): T {
  return res.body as T;
}

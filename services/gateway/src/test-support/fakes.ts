import { type FunctionRecord, lambdaTimestamp } from '@lamina/core';
import { pino } from 'pino';
import { Registry } from 'prom-client';

import { createApp } from '../app.js';
import type { AppDeps } from '../deps.js';
import { createMetrics } from '../metrics.js';
import { MemoryAdmission } from '../admission/memory-admission.js';
import { FakePool } from './fake-pool.js';
import { FakeCodeStore, FakeFunctionStore } from './fake-stores.js';

export { FakeCodeStore, FakeFunctionStore, FakePool };

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
  const admission = new MemoryAdmission({
    accountConcurrency: 1000,
    minUnreservedConcurrency: 100,
  });
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

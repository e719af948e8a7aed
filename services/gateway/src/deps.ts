import type { SealedEnvironments } from './routes/sealed-environment.js';
import type {
  CodeStore,
  EnvironmentPool,
  FunctionLogSource,
  FunctionStore,
  FunctionUrlStore,
  LayerStore,
  ProvisionedConcurrencyStore,
  VersionStore,
} from '@lamina/core';
import type { Tracing } from '@lamina/service-kit';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import type { Admission } from './admission/admission.js';
import type { AsyncStore } from './async/async-store.js';
import type { GatewayConfig } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import type { MetricsSeries } from './console/metrics-series.js';
import type { CodeUsage } from './code/code-collector.js';
import type { CodeFreezer } from './code/code-snapshots.js';
import type { MappingStore } from './async/mapping-store.js';
import type { UrlEndpoints } from './function-urls/url-endpoints.js';

/** Function URLs: where their records live, and where they answer (per mode). */
export interface FunctionUrls {
  readonly store: FunctionUrlStore;
  readonly endpoints: UrlEndpoints;
}
import type { ScheduleStore } from './schedules/schedule-store.js';
import type { RequestGuard } from './http/request-guards.js';
import type { KeyLookup } from './auth/access-keys.js';
import type { AuditLog } from './auth/audit-log.js';
import type { CodeStorageGuard } from './code/code-storage-quota.js';
import type { S3CodeSource } from './code/s3-code-source.js';
import type { StateTransitions } from './state-transitions.js';

/** Epoch milliseconds; injectable so tests control timestamps. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Everything `createApp` needs, as narrow interfaces; `main` builds the real ones. */
export interface AppDeps {
  readonly config: Pick<
    GatewayConfig,
    'region' | 'accountId' | 'accountConcurrency' | 'minUnreservedConcurrency' | 'codeTokenSecret'
  >;
  readonly functions: FunctionStore;
  readonly code: Pick<CodeStore, 'putZip' | 'readZip'>;
  readonly pool: Pick<EnvironmentPool, 'invoke' | 'evict' | 'provision' | 'provisioned'>;
  readonly admission: Admission;
  readonly metrics: GatewayMetrics;
  /** The process' registry, served on GET /metrics and read for the console's charts. */
  readonly registry: Pick<Registry, 'metrics' | 'contentType' | 'getSingleMetric'>;
  readonly logger: Logger;
  /** Runtime identifiers this installation can run (CreateFunction validation). */
  readonly runtimes: readonly string[];
  readonly clock?: Clock;
  /** False while draining: GET /healthz answers 503. Default: always ready. */
  readonly ready?: () => boolean;
  /** Async invocation (Event, event invoke configs, named queues); absent: Event is refused. */
  readonly async?: AsyncStore;
  /** Published versions and aliases; absent: kept in memory (gone on restart). */
  readonly versions?: VersionStore;
  /** Freezes `$LATEST`'s code when a version is published; absent: code stays where it is. */
  readonly codeFreezer?: CodeFreezer;
  /** One draw in [0, 1) per invocation of a weighted alias; absent: Math.random. */
  readonly random?: () => number;
  /** What the code stores really hold on disk (GetAccountSettings reports AWS's sum over records instead). */
  readonly codeUsage?: CodeUsage;
  /** CodeStorageExceededException past this many bytes of code; default Lambda's 75 GB. */
  readonly codeStorageLimitBytes?: number;
  /** Kafka event source mappings (shared with the pollers); absent: the API answers 404. */
  readonly mappings?: MappingStore;
  /** Provisioned concurrency configs; absent: kept in memory (gone on restart). */
  readonly provisioned?: ProvisionedConcurrencyStore;
  /** Function URLs; absent: kept in memory, answering on `<id>.lambda-url.<region>.localhost`. */
  readonly functionUrls?: FunctionUrls;
  /** Layer versions; absent: kept in memory (gone on restart). */
  readonly layers?: LayerStore;
  /** EventBridge Scheduler schedules (shared with the scheduler runners); absent: no Scheduler API. */
  readonly schedules?: ScheduleStore;
  /** Checks every API request passes before its operation, on both invoke paths; default none. */
  readonly requestGuards?: readonly RequestGuard[];
  /** Access keys every call must be signed with (issue #18); absent: the API is open. */
  readonly accessKeys?: KeyLookup;
  /** Where the mode keeps function logs (the logs API); absent: that API answers no events. */
  readonly logs?: FunctionLogSource;
  /** Cluster mode: sealed variables the worker pods fetch (ADR 0046); absent: no such route. */
  readonly sealedEnvironments?: SealedEnvironments;
  /** The console's chart series, sampling since the gateway started; absent: from the first read. */
  readonly series?: MetricsSeries;
  /** The built web console's folder; default the one next to the gateway's code. */
  readonly consoleDir?: string;
  /** The audit log of management and refused calls; absent: none. */
  readonly audit?: Pick<AuditLog, 'record' | 'refused'>;
  /** OpenTelemetry spans of invokes and accepted events (service-kit); absent: off. */
  readonly tracing?: Tracing;
  /** Where Code.S3Bucket/S3Key zips are read from; absent: code from S3 is refused (400). */
  readonly s3Code?: S3CodeSource;
  /** Who moves functions out of Pending/InProgress; absent: this process (local mode). */
  readonly transitions?: StateTransitions;
}

/** What the function operations' handlers (routes/functions.ts) need. */
export type FunctionRouteDeps = Pick<
  AppDeps,
  | 'config'
  | 'functions'
  | 'code'
  | 'pool'
  | 'admission'
  | 'logger'
  | 'runtimes'
  | 's3Code'
  | 'async'
> & {
  readonly versions: VersionStore;
  readonly codeFreezer: CodeFreezer;
  readonly clock: Clock;
  readonly layers: Pick<LayerStore, 'get'>;
  /** PublishVersion counts a new version's code (code-storage-quota.ts). */
  readonly codeStorage?: CodeStorageGuard;
  readonly transitions: StateTransitions;
};

/**
 * What differs between the gateway's two modes, and nothing else: where function definitions and
 * code live, and what runs the invocations. Local mode: file stores + the process pool that the
 * CLI builds (`local/local-backend.ts`); cluster mode: custom-resource stores + the pod pool
 * (`cluster/cluster-backend.ts`). Everything else — Redis, admission, async queue, the app, the
 * server, reservations and evictions on function changes — is `startGateway`'s, once for both.
 *
 * Invariant: a factory registers every component it starts in `ctx.lifecycle`, so a failure
 * later in startup (or `stop()`) stops it in reverse order; its stores are started (caches
 * filled) when it resolves.
 */
import type {
  CodeStore,
  EnvironmentPool,
  FunctionLogSource,
  FunctionStore,
  LayerStore,
  Lifecycle,
  ProvisionedConcurrencyStore,
  VersionStore,
} from '@lamina/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import type { MappingStore } from './async/mapping-store.js';
import type { CollectableStore } from './code/code-collector.js';
import type { CodeFreezer } from './code/code-snapshots.js';
import type { FunctionUrls } from './deps.js';
import type { KeyRing } from './auth/access-keys.js';
import type { SealedEnvironments } from './routes/sealed-environment.js';

export interface GatewayBackend {
  /** For the startup log line. */
  readonly mode: 'local' | 'cluster';
  readonly functions: FunctionStore;
  readonly versions: VersionStore;
  readonly code: CodeStore;
  /**
   * Where zips read from S3 are spooled: on the code store's filesystem (a pod's /tmp is small),
   * named `.tmp-…` so the collector's leftover sweep removes what a crash left. Default: /tmp.
   */
  readonly codeSpoolDir?: string;
  /** Freezes `$LATEST`'s code on PublishVersion; absent: code stays where it is. */
  readonly codeFreezer?: CodeFreezer;
  /** Event source mappings; absent: that API answers 404. */
  readonly mappings?: MappingStore;
  readonly pool: EnvironmentPool;
  /** Provisioned concurrency configs; absent: kept in memory (gone on restart). */
  readonly provisioned?: ProvisionedConcurrencyStore;
  /** Function URLs' records and endpoints; absent: in memory, host-routed under `localhost`. */
  readonly functionUrls?: FunctionUrls;
  /** Layer versions; absent: kept in memory (gone on restart). */
  readonly layers?: LayerStore;
  /** Where function logs can be read (issue #22); absent: the logs API answers no events. */
  readonly logs?: FunctionLogSource;
  /** Sealed variables the worker pods fetch (cluster mode, ADR 0046). */
  readonly sealedEnvironments?: SealedEnvironments;
  /** Where code lives that the collector may reclaim once nothing references it. */
  readonly collectable: readonly CollectableStore[];
  /** Runtime identifiers this installation can run (CreateFunction validation). */
  readonly runtimes: readonly string[];
  /**
   * The longest the pool may hold an invocation before it runs (cold start, busy wait): added to
   * the lease grace, so an admission lease outlives the wait.
   */
  readonly poolWaitMs: number;
  /**
   * Fills the key ring from the mode's own key store and keeps it current (cluster: labelled
   * Secrets); absent: keys come only from the keys file, if any.
   */
  readonly accessKeys?: (ring: KeyRing) => Promise<void>;
}

/** What a backend may build on: the gateway's own Redis, lifecycle, registry and logger. */
export interface BackendContext {
  readonly redis: Redis;
  /** Key prefix of the shared Redis layouts (async queue, event source mappings). */
  readonly redisPrefix: string;
  readonly lifecycle: Lifecycle;
  readonly registry: Registry;
  readonly logger: Logger;
}

export type BackendFactory = (ctx: BackendContext) => Promise<GatewayBackend>;

/**
 * Local mode's backend (`lamina dev`): function definitions from a folder of manifests plus what
 * the management API writes under the state folder, published versions next to them, code in
 * `<stateDir>/code`, layer versions in `<stateDir>/layers.json` (their zips in the code store), event
 * source mappings and schedules in Redis (the folder's `Schedule` manifests are imported at
 * startup). The environment pool is handed in: the
 * process pool lives in @lamina/worker, which the gateway never imports (the CLI builds it).
 *
 * Invariants: the stores are started (caches filled) before the factory resolves; the pool is
 * the gateway's from then on and is closed by its lifecycle; mapping manifests are written only
 * when they differ from what Redis holds (so a restart does not reset their lastModified).
 */
import { join } from 'node:path';

import {
  type ArnContext,
  type EnvironmentPool,
  esmKeys,
  type EventSourceMapping,
  LIMITS,
  scheduleKeys,
} from '@lamina/core';

import { RedisMappingStore } from '../async/mapping-store.js';
import { CodeSnapshots } from '../code/code-snapshots.js';
import { DiskCodeStore } from '../code/disk-code-store.js';
import type { BackendContext, BackendFactory, GatewayBackend } from '../gateway-backend.js';
import { FileFunctionStore } from './file-function-store.js';
import { EnvSealer } from './env-sealer.js';
import { FileVersionStore } from './file-version-store.js';
import { LayerVersionStore } from '../layers/layer-version-store.js';
import { FileLogSource } from '../logs/file-log-source.js';
import { ProvisionedConfigStore } from '../provisioned/provisioned-config-store.js';
import { LoopbackEndpoints } from '../function-urls/loopback-endpoints.js';
import { FileUrlStore } from '../function-urls/url-store.js';
import type { FunctionUrls } from '../deps.js';
import { RedisScheduleStore } from '../schedules/schedule-store.js';
import { importScheduleManifests, loadScheduleManifests } from './schedule-manifests.js';

export interface LocalBackendOptions {
  /** API-written records, versions, code and snapshots live here. Absolute. */
  readonly stateDir: string;
  /** Folder of Function (and EventSourceMapping, Schedule) manifests, or none. */
  readonly functionsDir: string | undefined;
  readonly arnContext: ArnContext;
  /** Runtime identifiers the pool can run. */
  readonly runtimes: readonly string[];
  /** Runs the invocations (the process pool); closed when the gateway stops. */
  readonly pool: EnvironmentPool;
  /** EventSourceMapping documents of the functions folder, put into Redis at startup. */
  readonly mappingManifests?: () => Promise<readonly EventSourceMapping[]>;
  /** The address function URL listeners bind; default 127.0.0.1. */
  readonly urlHost?: string;
}

/** Function URLs kept in `<stateDir>/function-urls.json`, each on its own loopback port. */
async function functionUrlsOf(o: LocalBackendOptions, ctx: BackendContext): Promise<FunctionUrls> {
  const store = new FileUrlStore({
    file: join(o.stateDir, 'function-urls.json'),
    logger: ctx.logger,
  });
  await store.start();
  const endpoints = new LoopbackEndpoints({
    host: o.urlHost ?? '127.0.0.1',
    region: o.arnContext.region,
    logger: ctx.logger,
  });
  ctx.lifecycle.add({ name: 'function URL listeners', stop: () => endpoints.stop() });
  for (const record of await store.all()) {
    const opened = await endpoints.open(record);
    if (opened.port !== record.port) await store.put(opened);
  }
  return { store, endpoints };
}

const sameMapping = (a: EventSourceMapping, b: EventSourceMapping): boolean =>
  JSON.stringify({ ...a, lastModified: 0 }) === JSON.stringify({ ...b, lastModified: 0 });

async function importMappings(
  mappings: RedisMappingStore,
  load: () => Promise<readonly EventSourceMapping[]>,
): Promise<void> {
  for (const m of await load()) {
    const stored = await mappings.get(m.uuid);
    if (stored === undefined || !sameMapping(stored.mapping, m)) await mappings.put(m);
  }
}

/**
 * VpcConfig is stored and returned in local mode, not enforced (ADR 0039): a local function
 * reaches what the host reaches. Said once per function that has one.
 */
function warnVpcConfigNotEnforced(
  functions: FileFunctionStore,
  logger: BackendContext['logger'],
): void {
  const warned = new Set<string>();
  const check = (name: string): void => {
    const vpc = functions.get(name)?.spec.vpcConfig;
    if (vpc === undefined || warned.has(name)) return;
    warned.add(name);
    logger.warn(
      { function: name, securityGroupIds: vpc.securityGroupIds },
      'VpcConfig is stored but not enforced in local mode: the function reaches what this host reaches',
    );
  };
  for (const r of functions.list()) check(r.spec.name);
  functions.onChange(check);
}

/** The local backend's factory, for `startGateway`. */
export function localBackend(o: LocalBackendOptions): BackendFactory {
  return async (ctx: BackendContext): Promise<GatewayBackend> => {
    const { lifecycle, logger } = ctx;
    lifecycle.add({ name: 'process pool', stop: () => o.pool.close() });
    // The routes hold uploads to Lambda's 50 MB; a zip from S3 may be as big as its contents.
    const code = new DiskCodeStore({
      root: join(o.stateDir, 'code'),
      maxZipBytes: LIMITS.unzippedMaxBytes,
    });
    // Environment variables are sealed in the state files (ADR 0035).
    const sealer = new EnvSealer(o.stateDir);
    const functions = new FileFunctionStore({
      sealer,
      ...(o.functionsDir === undefined ? {} : { manifestsDir: o.functionsDir }),
      stateDir: o.stateDir,
      codeStore: code,
      supportedRuntimes: o.runtimes,
      arnContext: o.arnContext,
      logger,
    });
    await functions.start();
    lifecycle.add({ name: 'function store', stop: () => functions.close() });
    warnVpcConfigNotEnforced(functions, logger);
    const versions = new FileVersionStore({
      sealer,
      stateDir: o.stateDir,
      arnContext: o.arnContext,
      logger,
    });
    await versions.start();
    lifecycle.add({ name: 'version store', stop: () => versions.close() });
    const provisioned = new ProvisionedConfigStore({
      file: join(o.stateDir, 'provisioned-concurrency.json'),
      logger,
    });
    await provisioned.start();
    const functionUrls = await functionUrlsOf(o, ctx);
    const layers = new LayerVersionStore({ file: join(o.stateDir, 'layers.json'), logger });
    await layers.start();
    lifecycle.add({ name: 'layer store', stop: () => layers.close() });
    const mappings = new RedisMappingStore(ctx.redis, esmKeys(ctx.redisPrefix));
    if (o.mappingManifests !== undefined) await importMappings(mappings, o.mappingManifests);
    if (o.functionsDir !== undefined) {
      const store = new RedisScheduleStore(ctx.redis, scheduleKeys(ctx.redisPrefix));
      const manifests = await loadScheduleManifests(o.functionsDir);
      const done = await importScheduleManifests(store, manifests, o.arnContext, Date.now());
      if (manifests.length > 0 || done.deleted > 0)
        logger.info({ schedules: manifests.length, ...done }, 'schedule manifests loaded');
    }
    // Versions run frozen code: a manifest's code folder may change after publishing.
    const codeFreezer = new CodeSnapshots({
      root: join(o.stateDir, 'code-snapshots'),
      immutableRoots: [join(o.stateDir, 'code')],
    });
    return {
      mode: 'local',
      functions,
      versions,
      code,
      codeSpoolDir: code.spoolDir,
      codeFreezer,
      collectable: [code, codeFreezer],
      mappings,
      pool: o.pool,
      provisioned,
      functionUrls,
      layers,
      // The files `lamina dev` appends function lines to (the CLI's function-logs.ts).
      logs: new FileLogSource(join(o.stateDir, 'logs')),
      runtimes: o.runtimes,
      // The process pool starts environments on demand and queues nothing.
      poolWaitMs: 0,
    };
  };
}

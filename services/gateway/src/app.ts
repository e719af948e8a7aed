import type { IncomingMessage, ServerResponse } from 'node:http';

import { type InvokeApi, LIMITS } from '@lamina/core';
import express from 'express';

import { inProcessInvoke } from './async/in-process-invoke.js';
import { type AppDeps, systemClock } from './deps.js';
import { errorMiddleware, unknownOperation } from './http/errors.js';
import { FunctionEntries } from './function-entries.js';
import { InvokeTargets } from './invoke-targets.js';
import { modelValidation } from './http/model-validation.js';
import { requestContext, requestContextMiddleware } from './http/request-context.js';
import { requestGuardsMiddleware } from './http/request-guards.js';
import { accountRoutes } from './routes/account.js';
import { aliasRoutes } from './routes/aliases.js';
import { codeRoutes } from './routes/code.js';
import { sealedEnvironmentRoutes } from './routes/sealed-environment.js';
import { useCodeTokenSecret } from './routes/code-access.js';
import { concurrencyRoutes } from './routes/concurrency.js';
import { eventInvokeConfigRoutes } from './routes/event-invoke-config.js';
import { eventSourceMappingRoutes } from './routes/event-source-mappings.js';
import { functionRoutes } from './routes/functions.js';
import { healthRoutes } from './routes/health.js';
import { invokeRoutes } from './routes/invoke.js';
import { invokeFastPath } from './routes/invoke-fast-path.js';
import { invokeStreamRoutes } from './routes/invoke-stream.js';
import { queueRoutes } from './routes/queues.js';
import { updateFunctionRoutes } from './routes/update-function.js';
import { versionRoutes } from './routes/versions.js';
import { keepCode } from './code/code-snapshots.js';
import { LayerVersionStore } from './layers/layer-version-store.js';
import { layerRoutes } from './routes/layers.js';
import { CodeStorageQuota, withCodeStorageQuota } from './code/code-storage-quota.js';
import { MemoryVersionStore } from './local/memory-version-store.js';
import { ProvisionedConfigStore } from './provisioned/provisioned-config-store.js';
import { Provisioner } from './provisioned/provisioner.js';
import { provisionedConcurrencyRoutes } from './routes/provisioned-concurrency.js';
import { functionUrlRoutes } from './routes/function-urls.js';
import { functionUrlHandler } from './function-urls/serve-function-url.js';
import { followUrlTargets } from './function-urls/url-cleanup.js';
import { HostEndpoints } from './function-urls/url-endpoints.js';
import { FileUrlStore } from './function-urls/url-store.js';
import { scheduleRoutes } from './routes/schedules.js';
import { policyRoutes } from './routes/policy.js';
import { tagRoutes } from './routes/tags.js';
import { functionSettingsRoutes } from './routes/function-settings.js';
import { authMiddleware } from './auth/auth-middleware.js';
import { createRequestGuard } from './auth/request-guard.js';
import { MetricsSeries } from './console/metrics-series.js';
import { consoleRoutes } from './routes/console.js';
import { functionLogsRoutes } from './routes/function-logs.js';
import { LocalTransitions } from './state-transitions.js';

/** The gateway's request listener: `main` passes it to an HTTP server, tests to supertest. */
export type GatewayApp = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /** The express router behind it, for introspection (the compatibility table's test). */
  readonly router: unknown;
  /** Invoke in this process, for services composed beside the gateway (ADR 0055). */
  readonly invokeApi: InvokeApi;
};

/**
 * The gateway's HTTP API (Lambda's paths and shapes) as a request listener that does not listen:
 * sync invokes take the fast path (routes/invoke-fast-path.ts), everything else the express app;
 * both run the same request guards (`deps.requestGuards`) before any operation.
 */
export function createApp(deps: AppDeps): GatewayApp {
  const clock = deps.clock ?? systemClock;
  const ready = deps.ready ?? (() => true);
  const entries = new FunctionEntries({
    functions: deps.functions,
    arnContext: deps.config,
    metrics: deps.metrics,
  });
  const versions = deps.versions ?? new MemoryVersionStore(deps.config);
  const codeFreezer = deps.codeFreezer ?? keepCode;
  const layers = deps.layers ?? new LayerVersionStore();
  const quota = new CodeStorageQuota(
    { functions: deps.functions, versions, layers },
    deps.codeStorageLimitBytes ?? LIMITS.codeStorageBytes,
  );
  const code = withCodeStorageQuota(deps.code, quota);
  // Without one given (tests): immediate transitions; their fake code stores unpack nothing.
  const transitions =
    deps.transitions ??
    new LocalTransitions({
      functions: deps.functions,
      logger: deps.logger,
      codeAvailable: () => true,
    });
  const targets = new InvokeTargets({
    entries,
    versions,
    arnContext: deps.config,
    metrics: deps.metrics,
    ...(deps.random === undefined ? {} : { random: deps.random }),
  });
  const provisioner = new Provisioner({
    store: deps.provisioned ?? new ProvisionedConfigStore(),
    functions: deps.functions,
    versions,
    pool: deps.pool,
    arnContext: deps.config,
    logger: deps.logger,
    allocations: deps.metrics.allocations,
  });
  provisioner.start();
  const urls = deps.functionUrls ?? {
    store: new FileUrlStore(),
    endpoints: new HostEndpoints({ region: deps.config.region, domain: 'localhost' }),
  };
  const urlDeps = { ...deps, ...urls, versions, targets, clock, transitions };
  const serveUrl = functionUrlHandler(urlDeps);
  urls.endpoints.attach(serveUrl);
  followUrlTargets({ ...urlDeps, logger: deps.logger });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  useCodeTokenSecret(app, deps.config.codeTokenSecret);

  // A function URL addressed by its Host header (cluster mode's routing) is not an API call.
  app.use((req, res, next) => {
    const urlId = urls.endpoints.idOfHost(req.headers.host);
    if (urlId === undefined) next();
    else serveUrl(urlId, req, res);
  });
  app.use(requestContextMiddleware(deps.logger));
  // Who calls and whether they may (issue #18): before every route; open without keys.
  const guard = createRequestGuard({
    ...(deps.accessKeys === undefined ? {} : { keys: deps.accessKeys }),
    arn: deps.config,
    clock,
    policyOf: (fn, qualifier) => deps.functions.get(fn)?.policy?.[qualifier],
    ...(deps.audit === undefined ? {} : { audit: deps.audit }),
  });
  if (deps.audit !== undefined || deps.accessKeys !== undefined) {
    const audit = deps.audit ?? { record: () => undefined };
    const needsBody = deps.accessKeys !== undefined;
    app.use(authMiddleware({ guard, needsBody, audit, clock, logger: deps.logger }));
  }
  const guards = deps.requestGuards ?? [];
  if (guards.length > 0) app.use(requestGuardsMiddleware(guards));
  // Every Lambda operation is first checked against the published service model.
  app.use(modelValidation());
  // Invoke first: it is the hot path and the most frequent request.
  const invokeDeps = { ...deps, targets, clock, transitions };
  app.use(invokeRoutes(invokeDeps));
  app.use(invokeStreamRoutes(invokeDeps));
  // Every other answer carries the request id too (invoke writes its own, in one writeHead).
  app.use((_req, res, next) => {
    res.setHeader('x-amzn-RequestId', requestContext(res, deps.logger).requestId);
    next();
  });
  app.use(
    versionRoutes({ ...deps, versions, codeFreezer, clock, codeStorage: quota, transitions }),
  );
  app.use(aliasRoutes({ ...deps, versions }));
  // The routes that store code: the quota-guarded store, the snapshots, the state transitions.
  const codeRouteDeps = {
    ...deps,
    code,
    versions,
    codeFreezer,
    clock,
    layers,
    codeStorage: quota,
    transitions,
  };
  app.use(updateFunctionRoutes(codeRouteDeps));
  app.use(functionRoutes(codeRouteDeps));
  app.use(
    layerRoutes({
      config: deps.config,
      layers,
      code,
      clock,
      ...(deps.s3Code === undefined ? {} : { s3Code: deps.s3Code }),
    }),
  );
  app.use(concurrencyRoutes(deps));
  app.use(provisionedConcurrencyRoutes({ ...deps, provisioner, clock }));
  app.use(functionUrlRoutes(urlDeps));
  app.use(policyRoutes({ ...deps, versions }));
  app.use(tagRoutes(deps));
  app.use(functionSettingsRoutes(deps));
  app.use(accountRoutes({ ...deps, versions, layers }));
  app.use(codeRoutes(deps));
  if (deps.sealedEnvironments !== undefined)
    app.use(
      sealedEnvironmentRoutes({
        sealed: deps.sealedEnvironments,
        tokenSecret: deps.config.codeTokenSecret,
      }),
    );
  if (deps.async !== undefined) {
    app.use(eventInvokeConfigRoutes({ ...deps, async: deps.async, clock, versions }));
    app.use(queueRoutes({ async: deps.async }));
  }
  if (deps.mappings !== undefined)
    app.use(eventSourceMappingRoutes({ ...deps, mappings: deps.mappings, clock }));
  if (deps.schedules !== undefined)
    app.use(scheduleRoutes({ ...deps, schedules: deps.schedules, clock }));
  // For people (issue #22): log events, chart series and the web console.
  const series = deps.series ?? new MetricsSeries({ registry: deps.registry });
  app.use(functionLogsRoutes({ ...deps, logs: deps.logs, series }));
  app.use(
    consoleRoutes({
      region: deps.config.region,
      signed: deps.accessKeys !== undefined,
      ...(deps.consoleDir === undefined ? {} : { dir: deps.consoleDir }),
    }),
  );
  app.use(healthRoutes({ registry: deps.registry, ready }));
  app.use(unknownOperation(deps.logger));
  app.use(errorMiddleware(deps.logger));
  // A signed gateway serves invokes through express: the signature covers the body, which the
  // auth middleware reads before any route, and the fast path runs its guards before the body.
  // Open gateways (no keys) keep the fast path; successful invokes are not audited anyway.
  const fast =
    deps.accessKeys !== undefined
      ? () => false
      : invokeFastPath({
          ...invokeDeps,
          guards,
          isApiRequest: (req) => urls.endpoints.idOfHost(req.headers.host) === undefined,
        });
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (!fast(req, res)) app(req, res);
  };
  return Object.assign(listener, {
    router: app.router as unknown,
    invokeApi: inProcessInvoke(invokeDeps),
  });
}

import express, { type Express } from 'express';

import { type AppDeps, systemClock } from './deps.js';
import { errorMiddleware, unknownOperation } from './http/errors.js';
import { FunctionEntries } from './function-entries.js';
import { InvokeTargets } from './invoke-targets.js';
import { modelValidation } from './http/model-validation.js';
import { requestContext, requestContextMiddleware } from './http/request-context.js';
import { accountRoutes } from './routes/account.js';
import { aliasRoutes } from './routes/aliases.js';
import { codeRoutes } from './routes/code.js';
import { useCodeTokenSecret } from './routes/code-access.js';
import { concurrencyRoutes } from './routes/concurrency.js';
import { eventInvokeConfigRoutes } from './routes/event-invoke-config.js';
import { eventSourceMappingRoutes } from './routes/event-source-mappings.js';
import { functionRoutes } from './routes/functions.js';
import { healthRoutes } from './routes/health.js';
import { invokeRoutes } from './routes/invoke.js';
import { queueRoutes } from './routes/queues.js';
import { updateFunctionRoutes } from './routes/update-function.js';
import { versionRoutes } from './routes/versions.js';
import { keepCode } from './code/code-snapshots.js';
import { LayerVersionStore } from './layers/layer-version-store.js';
import { layerRoutes } from './routes/layers.js';
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

/**
 * The gateway's HTTP API (Lambda's paths and shapes) as an express app that does not listen:
 * `main` listens, tests use supertest.
 */
export function createApp(deps: AppDeps): Express {
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
  });
  provisioner.start();
  const urls = deps.functionUrls ?? {
    store: new FileUrlStore(),
    endpoints: new HostEndpoints({ region: deps.config.region, domain: 'localhost' }),
  };
  const urlDeps = { ...deps, ...urls, versions, targets, clock };
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
  // Every Lambda operation is first checked against the published service model.
  app.use(modelValidation());
  // Invoke first: it is the hot path and the most frequent request.
  app.use(invokeRoutes({ ...deps, targets, clock }));
  // Every other answer carries the request id too (invoke writes its own, in one writeHead).
  app.use((_req, res, next) => {
    res.setHeader('x-amzn-RequestId', requestContext(res, deps.logger).requestId);
    next();
  });
  app.use(versionRoutes({ ...deps, versions, codeFreezer, clock }));
  app.use(aliasRoutes({ ...deps, versions }));
  app.use(updateFunctionRoutes({ ...deps, versions, codeFreezer, clock, layers }));
  app.use(functionRoutes({ ...deps, versions, codeFreezer, clock, layers }));
  app.use(layerRoutes({ config: deps.config, layers, code: deps.code, clock }));
  app.use(concurrencyRoutes(deps));
  app.use(provisionedConcurrencyRoutes({ ...deps, provisioner, clock }));
  app.use(functionUrlRoutes(urlDeps));
  app.use(accountRoutes({ ...deps, versions, layers }));
  app.use(codeRoutes(deps));
  if (deps.async !== undefined) {
    app.use(eventInvokeConfigRoutes({ ...deps, async: deps.async, clock }));
    app.use(queueRoutes({ async: deps.async }));
  }
  if (deps.mappings !== undefined)
    app.use(eventSourceMappingRoutes({ ...deps, mappings: deps.mappings, clock }));
  if (deps.schedules !== undefined)
    app.use(scheduleRoutes({ ...deps, schedules: deps.schedules, clock }));
  app.use(healthRoutes({ registry: deps.registry, ready }));
  app.use(unknownOperation(deps.logger));
  app.use(errorMiddleware(deps.logger));
  return app;
}

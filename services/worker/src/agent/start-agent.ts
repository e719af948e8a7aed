import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { FunctionVersionConfig } from '@lamina/core';
import { ExecutionEnvironment } from '../execution-environment.js';
import { codeDeliveryOf } from './code-delivery-of.js';
import { locateCode } from './code-location.js';
import type { AgentConfig } from './config.js';
import { createAgentMetrics } from './agent-metrics.js';
import { createAgentServer } from './agent-server.js';
import { readEnvironmentDir } from './environment-dir.js';
import { functionConfigOf, runtimeCommandOf } from './function-config.js';
import { layerInstallOf } from './layer-install.js';
import { PodEnvironment } from './pod-environment.js';
import { WorkerAgent, type FunctionLookup } from './worker-agent.js';

export interface StartAgentDeps {
  readonly config: AgentConfig;
  readonly logger: Logger;
  /** Variables the runtime inherits (the image's ENV minus the platform's). */
  readonly baseEnv: Readonly<Record<string, string>>;
}

export interface RunningAgent {
  readonly agent: WorkerAgent;
  readonly port: number;
  /**
   * SIGTERM's work: refuse new invocations, let the running one end (and answer `draining` for
   * at least `lingerMs`), then stop the environment and the server. Idempotent.
   */
  stop(lingerMs: number): Promise<void>;
}

/** Composition of the worker agent: function variables, one-environment pool, HTTP server. */
export async function startAgent(deps: StartAgentDeps): Promise<RunningAgent> {
  const { config, logger } = deps;
  const { variables, skipped } = await readEnvironmentDir(config.environmentDir);
  for (const s of skipped) {
    logger.warn({ entry: s.name, reason: s.reason }, 'environment entry skipped');
  }
  const functionLog = logger.child({ stream: 'function' });
  const runtime = runtimeCommandOf(config);
  // The pod is the environment: one, living as long as the pod (no idle TTL), initialised at start.
  const environment = new PodEnvironment({
    logger,
    executable: runtime.command[0] ?? '',
    initTimeoutMs: config.initTimeoutMs,
    create: (fn) =>
      new ExecutionEnvironment({
        fn,
        command: runtime.command,
        ...(runtime.runtimeDir !== undefined ? { runtimeDir: runtime.runtimeDir } : {}),
        logger,
        onLog: (_fn, line, logStream) => {
          functionLog.info({ logStream }, line);
        },
        baseEnv: deps.baseEnv,
        initTimeoutMs: config.initTimeoutMs,
        ...(config.layers.length === 0 ? {} : { optDir: config.optDir }),
      }),
  });
  const layers = layerInstallOf(config);
  const delivery = codeDeliveryOf(config, logger);
  const lookup = async (): Promise<FunctionLookup> => {
    const code =
      delivery?.location() ?? (await locateCode(config.codeStoreDir, config.codeSha256Hex));
    if (code.kind !== 'found') return code;
    // Layers go into /opt once the code is there; until then the pod says why it is not ready.
    const missing = await layers?.ensure().then(
      () => undefined,
      (err: unknown) => `layers not in place: ${err instanceof Error ? err.message : String(err)}`,
    );
    if (missing !== undefined) return { kind: 'missing', reason: missing };
    return { kind: 'ready', fn: functionConfigOf(config, code.dir, variables) };
  };
  const agent = new WorkerAgent({
    target: { functionName: config.functionName, version: config.version },
    pool: environment,
    lookup,
    logger,
    ...(config.initAtStart
      ? {
          onFound: (fn: FunctionVersionConfig) => {
            environment.warm(fn);
          },
        }
      : {}),
    gate: () => environment.readiness(),
  });
  delivery?.start();
  // Code fetched: look it up at once, so init at start begins without waiting for a probe.
  void delivery?.whenDelivered().then(() => agent.readiness());
  const server = createAgentServer({ agent, logger, metrics: createAgentMetrics() });
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const readiness = await agent.readiness();
  logger.info(
    {
      port,
      runtime: config.runtime,
      handler: config.handler,
      variables: Object.keys(variables).length,
      ready: readiness.ready,
    },
    'worker agent listening',
  );

  let stopping: Promise<void> | undefined;
  return {
    agent,
    port,
    stop: (lingerMs) => {
      stopping ??= (async () => {
        const linger = new Promise((resolve) => setTimeout(resolve, lingerMs));
        await agent.drain();
        logger.info({}, 'no invocation running; stopping');
        await linger;
        delivery?.stop();
        await agent.close();
        server.closeIdleConnections();
        await new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
          server.closeAllConnections();
        });
      })();
      return stopping;
    },
  };
}

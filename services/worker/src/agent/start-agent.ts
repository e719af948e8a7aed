import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { type FunctionVersionConfig, parseLoggingConfig } from '@lamina/core';
import { ExecutionEnvironment } from '../execution-environment.js';
import { PlainPlacements, POD_RUNTIME_NICENESS } from '../sandbox/runtime-placement.js';
import { SANDBOX_LIMITS } from '../sandbox/sandbox.js';
import type { CodeDelivery } from './code-delivery.js';
import { codeDeliveryOf } from './code-delivery-of.js';
import { fetchCode } from './code-fetch.js';
import { rehearseCodeFetch } from './code-fetch-rehearsal.js';
import { rehearsalConfig, rehearseInvoke } from './invoke-rehearsal.js';
import { type CodeLocation, locateCode } from './code-location.js';
import type { AgentConfig } from './config.js';
import { createAgentMetrics } from './agent-metrics.js';
import { createAgentServer } from './agent-server.js';
import { GatewayConnections } from './gateway-connections.js';
import { ExternalRuntime, killOtherProcesses, killStrays } from './external-runtime.js';
import { readEnvironmentDir } from './environment-dir.js';
import { fetchSealedEnvironment } from './sealed-environment.js';
import { functionConfigOf, runtimeCommandOf } from './function-config.js';
import { GenericAgent } from './generic-agent.js';
import { functionLogger, type LineBatch, stdoutLineBatch } from './function-log-writer.js';
import { layerInstallOf } from './layer-install.js';
import { ParkedRuntime } from './parked-runtime.js';
import { PodEnvironment } from './pod-environment.js';
import { TaskRoot } from './task-root.js';
import { WorkerAgent, type FunctionLookup } from './worker-agent.js';

export interface StartAgentDeps {
  readonly config: AgentConfig;
  readonly logger: Logger;
  /** Variables the runtime inherits (the image's ENV minus the platform's). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** An image function pod's reset (tests); default `killOtherProcesses` (ADR 0028). */
  readonly resetExternal?: () => void;
}

export interface RunningAgent {
  readonly agent: WorkerAgent | GenericAgent;
  readonly port: number;
  /**
   * SIGTERM's work: refuse new invocations (`draining`), let the running one end, wait until the
   * gateways have closed their connections (at most `lingerMs`; a pod none holds one to does not
   * wait), then stop the environment and the server. Idempotent.
   */
  stop(lingerMs: number): Promise<void>;
}

/** What the agent's parts share: the batch its function records are written through. */
interface AgentParts extends StartAgentDeps {
  readonly functionOut: LineBatch;
}

/** What serves one version: its environment and the agent in front of it. */
interface VersionAgentDeps extends AgentParts {
  readonly variables: Readonly<Record<string, string>>;
  readonly lookup: (config: AgentConfig) => Promise<CodeLocation>;
  /** A generic pod's runtime booted ahead of the function: its first environment, if it fits. */
  readonly parked?: ParkedRuntime;
}

/** The one-environment pool and the agent of the version `config` names. */
function versionAgent(deps: VersionAgentDeps): WorkerAgent {
  const { config, logger } = deps;
  // Function records are batched: one write per batch, not per line (ADR 0050).
  const functionLog = functionLogger(logger, deps.functionOut);
  const runtime = runtimeCommandOf(config);
  const specialized = new WeakSet<ExecutionEnvironment>();
  // The pod is the environment: one, living as long as the pod (no idle TTL), initialised at start.
  const environment = new PodEnvironment({
    logger,
    executable: runtime.command[0] ?? '',
    initTimeoutMs: config.initTimeoutMs,
    specialized: (env) => specialized.has(env),
    // A call gets the init error of an on-demand pod; a provisioned one's failure is its status.
    readyWhenFailed: config.initializationType !== 'provisioned-concurrency',
    ...(config.killStrays
      ? {
          afterStop: async () => {
            const rounds = await killStrays();
            if (rounds > 1) logger.info({ rounds }, 'killed what the environment left behind');
          },
        }
      : {}),
    create: (fn) => {
      const generic = deps.parked?.take(fn);
      const env = new ExecutionEnvironment({
        fn,
        ...(generic === undefined ? {} : { generic }),
        initializationType: config.initializationType,
        command: runtime.command,
        ...(runtime.runtimeDir !== undefined ? { runtimeDir: runtime.runtimeDir } : {}),
        logger,
        onLog: (_fn, line, logStream) => {
          functionLog.info({ logStream }, line);
        },
        baseEnv: deps.baseEnv,
        initTimeoutMs: config.initTimeoutMs,
        ...(config.layers.length === 0 ? {} : { optDir: config.optDir }),
        // An image function's container runs beside the agent (ADR 0028): no runtime to spawn.
        ...(config.runtimeApiPort === undefined
          ? {}
          : {
              runtimeApiPort: config.runtimeApiPort,
              // A crash of the function's container mid-call is Runtime.ExitError, not a timeout.
              launch: (o) =>
                new ExternalRuntime(deps.resetExternal ?? killOtherProcesses, o.onGone),
            }),
        // Lambda's 1,024 open files (processes: the node's pod pids limit),
        // at the lowest priority so the agent outruns a fork bomb (ADR 0029).
        placements: new PlainPlacements(undefined, SANDBOX_LIMITS.openFiles, POD_RUNTIME_NICENESS),
      });
      if (generic !== undefined) specialized.add(env);
      return env;
    },
  });
  const layers = layerInstallOf(config);
  const taskRoot =
    config.taskDir === undefined ? undefined : new TaskRoot(config.taskDir, config.taskView);
  const lookup = async (): Promise<FunctionLookup> => {
    // An image function's code is its image, already running in the pod (ADR 0028).
    if (config.runtimeApiPort !== undefined)
      return { kind: 'ready', fn: functionConfigOf(config, '', deps.variables) };
    const code = await deps.lookup(config);
    if (code.kind !== 'found') return code;
    // Layers go into /opt once the code is there; until then the pod says why it is not ready.
    const missing = await layers?.ensure().then(
      () => undefined,
      (err: unknown) => `layers not in place: ${err instanceof Error ? err.message : String(err)}`,
    );
    if (missing !== undefined) return { kind: 'missing', reason: missing };
    // The runtime sees the code at /var/task, as on Lambda (ADR 0029).
    let dir = code.dir;
    try {
      if (taskRoot !== undefined) dir = await taskRoot.place(code.dir);
    } catch (err) {
      return { kind: 'missing', reason: `code not copied to the task root: ${String(err)}` };
    }
    return { kind: 'ready', fn: functionConfigOf(config, dir, deps.variables) };
  };
  return new WorkerAgent({
    target: { functionName: config.functionName, version: config.version },
    pool: flushedAfterEachCall(environment, deps.functionOut),
    lookup,
    logger,
    // An image function's container waits for the Runtime API: init always runs at start.
    ...(config.initAtStart || config.runtimeApiPort !== undefined
      ? {
          onFound: (fn: FunctionVersionConfig) => {
            environment.warm(fn);
          },
        }
      : {}),
    gate: () => environment.readiness(),
  });
}

/** The pool, with the function's records written as each invocation ends (ADR 0050). */
function flushedAfterEachCall(
  pool: PodEnvironment,
  out: LineBatch,
): Pick<PodEnvironment, 'invoke' | 'close'> {
  return {
    invoke: async (fn, invocation) => {
      try {
        return await pool.invoke(fn, invocation);
      } finally {
        out.flush();
      }
    },
    close: () => pool.close(),
  };
}

/**
 * A generic pod's agent (ADR 0019): the version's configuration comes with the specialise
 * request, its code is fetched by hash with the request's token, and its first call is the
 * cold start (no init at start: the call reports `Init Duration`).
 */
function genericAgent(deps: AgentParts): GenericAgent {
  const { config, logger } = deps;
  const { codeUrl } = config;
  const parked =
    config.parkedBootstrap === undefined
      ? undefined
      : new ParkedRuntime({
          command: [config.parkedBootstrap],
          runtimeDir: path.dirname(config.bootstrap),
          baseEnv: deps.baseEnv,
          logger,
        });
  parked?.start();
  // Run the specialise path's and the first call's code once before the pod is ready, so a cold
  // call's run warm (code-fetch-rehearsal.ts, invoke-rehearsal.ts).
  const rehearsal = { settled: false };
  const silent = logger.child({}, { level: 'silent' });
  void (async () => {
    const fetchMs = await rehearseCodeFetch(config.codeCacheDir, logger);
    const invokeMs = await rehearseInvoke({
      cacheDir: config.codeCacheDir,
      node: process.execPath,
      logger,
      agentFor: (dir) =>
        versionAgent({
          ...deps,
          config: rehearsalConfig(config),
          logger: silent,
          variables: {},
          lookup: () => Promise.resolve({ kind: 'found', dir }),
        }),
    });
    rehearsal.settled = true;
    const ms = (n: number | undefined) => (n === undefined ? undefined : Math.round(n));
    logger.info({ fetchMs: ms(fetchMs), invokeMs: ms(invokeMs) }, 'specialisation rehearsed');
  })();
  return new GenericAgent({
    rehearsal,
    runtime: config.runtime,
    idleMs: config.specializedIdleMs,
    logger,
    ...(parked === undefined ? {} : { parked }),
    fetchCode: (r) => {
      if (codeUrl === undefined) {
        return Promise.reject(
          new Error('LAMINA_CODE_URL is not set: a generic pod fetches its code'),
        );
      }
      return fetchCode({
        baseUrl: codeUrl,
        sha256Hex: r.codeSha256Hex,
        token: r.codeToken,
        cacheDir: config.codeCacheDir,
      });
    },
    become: (r, codeDir) => {
      const versionConfig: AgentConfig = {
        ...config,
        functionName: r.functionName,
        version: r.version,
        handler: r.handler,
        memorySizeMb: r.memorySizeMb,
        timeoutSeconds: r.timeoutSeconds,
        ephemeralStorageMb: r.ephemeralStorageMb,
        codeSha256Hex: r.codeSha256Hex,
        codeToken: r.codeToken,
        // Checked by parseSpecializationRequest.
        logging: parseLoggingConfig(r.loggingConfig, undefined),
        initAtStart: false,
        generic: false,
      };
      return versionAgent({
        ...deps,
        config: versionConfig,
        logger: logger.child({ fn: r.functionName, version: r.version }),
        variables: r.environment,
        lookup: () => Promise.resolve({ kind: 'found', dir: codeDir }),
        ...(parked === undefined ? {} : { parked }),
      });
    },
  });
}

/** Composition of the worker agent: function variables, one-environment pool, HTTP server. */
export async function startAgent(startDeps: StartAgentDeps): Promise<RunningAgent> {
  const { config, logger } = startDeps;
  const functionOut = stdoutLineBatch();
  const deps: AgentParts = { ...startDeps, functionOut: functionOut.batch };
  let agent: WorkerAgent | GenericAgent;
  let delivery: CodeDelivery | undefined;
  if (config.generic) {
    agent = genericAgent(deps);
  } else {
    const dir = await readEnvironmentDir(config.environmentDir);
    for (const s of dir.skipped) {
      logger.warn({ entry: s.name, reason: s.reason }, 'environment entry skipped');
    }
    // Sealed ones come from the gateway (ADR 0046); a failure here ends the agent, with the reason.
    const sealed = config.sealedEnvironment;
    const variables =
      sealed === undefined
        ? dir.variables
        : {
            ...dir.variables,
            ...(await fetchSealedEnvironment({
              baseUrl: sealed.baseUrl,
              secretName: sealed.secretName,
              token: sealed.token,
              onRetry: (attempt, reason) => {
                logger.warn({ attempt, reason }, 'could not fetch the sealed variables; retrying');
              },
            })),
          };
    const fetched = codeDeliveryOf(config, logger);
    delivery = fetched;
    const versioned = versionAgent({
      ...deps,
      variables,
      lookup: async (c) =>
        fetched?.location() ?? (await locateCode(c.codeStoreDir, c.codeSha256Hex)),
    });
    agent = versioned;
    delivery?.start();
    // Code fetched: look it up at once (past the recheck window of the miss recorded when the
    // agent started), so init at start begins without waiting for a readiness probe.
    void delivery?.whenDelivered().then(() => versioned.recheck());
  }
  const generic = agent instanceof GenericAgent ? agent : undefined;
  let stopping: Promise<void> | undefined;
  const server = createAgentServer({
    agent,
    logger,
    metrics: createAgentMetrics(),
    stopping: () => stopping !== undefined,
    ...(generic === undefined ? {} : { specialize: (body: Buffer) => generic.specialize(body) }),
  });
  const gateways = new GatewayConnections(server);
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const readiness = await agent.readiness();
  logger.info(
    {
      port,
      runtime: config.runtime,
      handler: config.handler,
      generic: config.generic,
      ready: readiness.ready,
    },
    'worker agent listening',
  );

  return {
    agent,
    port,
    stop: (lingerMs) => {
      stopping ??= (async () => {
        // From here every answer closes its connection and new work is refused (`draining`,
        // tried elsewhere); a running call ends first.
        await agent.drain();
        // Gateway connections are left for the gateways to close (they do once they see the pod
        // go): closing an idle one here could cross a call written on it (gateway-connections.ts).
        // A pod no gateway holds a connection to (most scaled-down ones) exits at once.
        const open = gateways.size;
        const ended = await gateways.closedOrAfter(lingerMs);
        logger.info({ gatewayConnections: open, ended }, 'no invocation running; stopping');
        delivery?.stop();
        await agent.close();
        functionOut.close();
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

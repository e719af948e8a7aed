/**
 * The worker-pod contract (ADR 0007): what the operator writes on every worker pod, what the
 * gateway's pod watch reads back, and what the worker agent reads from its own environment.
 * Spelled once here so the three cannot drift.
 *
 * Invariants: pure (no client-node, no I/O), so the worker agent can bundle it alone through
 * the `@lamina/kube/worker-pod-contract` subpath; `versionOfSlug` is the exact inverse of
 * `versionSlug` on every version label (`$LATEST` ⇄ `latest`, `N` ⇄ `vN`), and answers
 * undefined for anything it did not make.
 */
import { LABELS, MANAGED_BY } from './resources.js';

/** `app.kubernetes.io/name` of every worker pod (and its Deployment). */
export const WORKER_APP_LABEL = 'app.kubernetes.io/name';
export const WORKER_APP_NAME = 'lamina-worker';

/** The pods the operator runs as execution environments: the gateway's watch selects these. */
export const WORKER_POD_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY},${WORKER_APP_LABEL}=${WORKER_APP_NAME}`;

/** The agent's container in the pod template, and its named port. */
export const WORKER_CONTAINER = 'worker';
export const WORKER_PORT_NAME = 'http';
/** Where a worker pod's layers are merged (an emptyDir there), as on Lambda. */
export const WORKER_OPT_DIR = '/opt';
/** The agent's port when nothing says otherwise (LAMINA_WORKER_PORT). */
export const WORKER_DEFAULT_PORT = 8080;

/** Environment variables the operator sets on the agent container, by meaning. */
export const WORKER_ENV = {
  functionName: 'LAMINA_FUNCTION_NAME',
  namespace: 'LAMINA_FUNCTION_NAMESPACE',
  /** `$LATEST` or a version number, exact (a label value may be shortened). */
  version: 'LAMINA_FUNCTION_VERSION',
  runtime: 'LAMINA_RUNTIME',
  handler: 'LAMINA_HANDLER',
  memorySizeMb: 'LAMINA_MEMORY_SIZE_MB',
  timeoutSeconds: 'LAMINA_TIMEOUT_SECONDS',
  /** Hex SHA-256 of the code package; absent for container-image functions. */
  codeSha256: 'LAMINA_CODE_SHA256',
  codeDir: 'LAMINA_CODE_DIR',
  /** Hex SHA-256s of the function's layers, comma-separated, in merge order; absent: none. */
  layers: 'LAMINA_LAYER_SHA256S',
  environmentDir: 'LAMINA_ENVIRONMENT_DIR',
  region: 'LAMINA_REGION',
  redisUrl: 'LAMINA_REDIS_URL',
  port: 'LAMINA_WORKER_PORT',
  /**
   * `provisioned-concurrency` on the pods of a version with provisioned concurrency (the
   * runtime's AWS_LAMBDA_INITIALIZATION_TYPE, init at start); absent: `on-demand`.
   */
  initializationType: 'LAMINA_INITIALIZATION_TYPE',
  /**
   * Set on the agent of a container-image function's pod (ADR 0028): it serves the Runtime API
   * on 127.0.0.1:<this port> for the function's own container and starts no runtime.
   */
  runtimeApiPort: 'LAMINA_RUNTIME_API_PORT',
  /**
   * The pod's task root (ADR 0029): one emptyDir, writable here for the agent, which copies the
   * code in, and read-only at `taskView` (`/var/task`), the runtime's LAMBDA_TASK_ROOT; absent:
   * the runtime runs in the code's folder.
   */
  taskDir: 'LAMINA_TASK_DIR',
  taskView: 'LAMINA_TASK_VIEW',
  /**
   * `true` on a zip function's pod (one PID namespace shared with the pause container, which
   * reaps orphans): when an environment ends, the agent SIGKILLs every other process it may
   * signal, so nothing a function started (a fork bomb) outlives its environment.
   */
  killStrays: 'LAMINA_KILL_STRAYS',
  /**
   * The function's LoggingConfig as JSON of the API's members (core's `loggingMembers`, ADR
   * 0041); absent: Text to the default log group.
   */
  logging: 'LAMINA_FUNCTION_LOGGING',
  /**
   * Sealed variables (ADR 0046): the Secret holding the function's envelope, and that Secret's
   * token, and the gateway's base URL the agent fetches the opened variables from with it.
   */
  sealedEnvironment: 'LAMINA_SEALED_ENVIRONMENT',
  sealedEnvironmentToken: 'LAMINA_SEALED_ENVIRONMENT_TOKEN',
  sealedEnvironmentUrl: 'LAMINA_SEALED_ENVIRONMENT_URL',
} as const;

/** Where a worker pod's code is for the runtime, as on Lambda (the task emptyDir, read-only). */
export const WORKER_TASK_DIR = '/var/task';
/** Where the agent writes the task emptyDir. */
export const WORKER_TASK_WRITE_DIR = '/var/lamina/task';

/** The Runtime API port of an image function's pod (AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>). */
export const IMAGE_RUNTIME_API_PORT = 9001;
/** The function's own container in an image function's pod. */
export const FUNCTION_CONTAINER = 'function';

/** WORKER_ENV.initializationType's value on provisioned pods. */
export const PROVISIONED_INITIALIZATION = 'provisioned-concurrency';
export type WorkerEnvName = (typeof WORKER_ENV)[keyof typeof WORKER_ENV];

/** `$LATEST` or a version number, as the worker Deployment of that version is labelled. */
export type VersionLabel = '$LATEST' | `${number}`;

/** Label values allow [A-Za-z0-9_.-]: `$LATEST` → `latest`, `3` → `v3`. */
export function versionSlug(version: VersionLabel): string {
  return version === '$LATEST' ? 'latest' : `v${version}`;
}

/** The inverse of `versionSlug`: `latest` → `$LATEST`, `v3` → `3`; anything else undefined. */
export function versionOfSlug(slug: string | undefined): VersionLabel | undefined {
  if (slug === 'latest') return '$LATEST';
  const m = slug === undefined ? null : /^v(\d+)$/.exec(slug);
  return m?.[1] === undefined ? undefined : (m[1] as `${number}`);
}

/**
 * Pre-warmed generic worker pods (issue #15 item 3, ADR 0019): the operator runs them per
 * runtime with `pool=generic`; a gateway that specialises one relabels it `pool=specialized`
 * (it leaves the generic Deployment's selector, whose ReplicaSet releases it and makes a
 * replacement) and names the version in the function/version labels and these annotations.
 */
export const POOL_LABEL = 'lamina.dev/pool';
export const POOL_GENERIC = 'generic';
export const POOL_SPECIALIZED = 'specialized';
/** The runtime a generic pod was started for (a label value: `nodejs22.x`). */
export const RUNTIME_LABEL = 'lamina.dev/runtime';
export const SPECIALIZED_ANNOTATIONS = {
  /** Exact function name (a label value may be shortened). */
  functionName: 'lamina.dev/function-name',
  /** `$LATEST` or a version number. */
  version: 'lamina.dev/function-version',
  /** Hex SHA-256 of the code the pod now runs. */
  codeSha256: 'lamina.dev/code-sha256',
  /** The worker container's restart count when it was specialised: a restart loses the function. */
  restarts: 'lamina.dev/restarts-at-specialization',
} as const;
/** On a generic pod: its memory (MiB); only functions with at most this MemorySize fit in it. */
export const POOL_MEMORY_ANNOTATION = 'lamina.dev/pool-memory-mb';
/** Set on a generic pod's agent (`true`): start without a function, wait to be specialised. */
export const WORKER_GENERIC_ENV = 'LAMINA_WORKER_GENERIC';

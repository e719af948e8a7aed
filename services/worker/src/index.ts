export { ProcessPool, type ProcessPoolOptions } from './process-pool.js';
export { ExecutionEnvironment, type ExecutionEnvironmentOptions } from './execution-environment.js';
export {
  RuntimeApiServer,
  type RuntimeApiServerOptions,
  type RuntimeOutcome,
} from './runtime-api-server.js';
export type { Clock, LogSink, RuntimeCommand, WorkerLogger } from './types.js';
export type { VersionProbe } from './runtime-version-check.js';
export { type CredentialsFor, FAKE_CREDENTIALS, type RoleCredentials } from './role-credentials.js';
export { Sandbox, SANDBOX_LIMITS, type SandboxDetectOptions } from './sandbox/sandbox.js';
export {
  endWithParentLauncher,
  PlainPlacements,
  type Placements,
} from './sandbox/runtime-placement.js';

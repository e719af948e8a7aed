/**
 * The contract between the invoke path (gateway, later the dispatcher and the poller) and
 * execution environments. The gateway only knows `EnvironmentPool`; local mode wires in the
 * worker's process pool, cluster mode a pool of worker pods. Version 1.
 */
import type { FunctionLogging } from './logging-config.js';

export const WORKER_PROTOCOL_VERSION = 1;

/** Everything an execution environment needs to start a function version. */
export interface FunctionVersionConfig {
  readonly name: string;
  /** `$LATEST` or a published version number. */
  readonly version: string;
  readonly runtime: string;
  readonly handler: string;
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
  readonly ephemeralStorage: number;
  readonly environment: Readonly<Record<string, string>>;
  /** Directory holding the unpacked code (becomes LAMBDA_TASK_ROOT / the cwd). */
  readonly codeDir: string;
  /** base64 SHA-256 of the code package; environments are only reused for the same code. */
  readonly codeSha256: string;
  /** Hex SHA-256s of the function's layers, merged in this order into /opt; absent: none. */
  readonly layers?: readonly string[];
  /**
   * A container-image function (ADR 0028): the image runs with its own ENTRYPOINT/CMD (or the
   * ImageConfig overrides) instead of a runtime; `runtime`, `handler` and `codeDir` are empty.
   */
  readonly image?: FunctionImage;
  /** The execution role ARN: whose credentials the environment gets; absent: none mapped. */
  readonly role?: string;
  /** Unqualified function ARN, e.g. arn:aws:lambda:us-east-1:000000000000:function:hello. */
  readonly functionArn: string;
  readonly region: string;
  /** LoggingConfig: the platform lines' format and the runtime's; absent: Text. */
  readonly logging?: FunctionLogging;
}

/** What an environment of a container-image function runs. */
export interface FunctionImage {
  readonly uri: string;
  readonly entryPoint?: readonly string[];
  readonly command?: readonly string[];
  readonly workingDirectory?: string;
}

/**
 * Where a streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`) goes as the
 * runtime writes it. Only environments on the gateway's host (local mode) call it; the result
 * still carries the whole payload, so callers that ignore the sink see a buffered answer.
 */
export interface ResponseStreamSink {
  /** The runtime began a streamed response with this content type; before any `write`. */
  start(contentType: string | undefined): void;
  write(chunk: Buffer): void;
}

/** One invocation, as handed to an environment. */
export interface Invocation {
  readonly requestId: string;
  /** The ARN the caller used (keeps an alias or version qualifier). */
  readonly invokedFunctionArn: string;
  readonly payload: Buffer;
  /** Epoch milliseconds after which the invocation has timed out. Set by the environment when absent. */
  readonly deadlineMs?: number;
  /** Decoded JSON text of X-Amz-Client-Context (sync invokes only). */
  readonly clientContext?: string;
  readonly cognitoIdentity?: string;
  readonly traceId?: string;
  /** Collect the invocation's log for X-Amz-Log-Result. */
  readonly tailLog: boolean;
  /** Set by function URLs in RESPONSE_STREAM mode: the response's bytes as they are written. */
  readonly responseStream?: ResponseStreamSink;
}

export type FunctionErrorKind = 'Unhandled' | 'Handled';

/** What an environment answers. A function error is a result, not a thrown error. */
export interface InvocationResult {
  readonly payload: Buffer;
  readonly contentType?: string;
  /** Present only when the function failed (handler error, init error, timeout, crash). */
  readonly functionError?: FunctionErrorKind;
  /** The function error type (`Runtime.ExitError`, `Sandbox.Timedout`, the handler's errorType …). */
  readonly errorType?: string;
  readonly executedVersion: string;
  /** The invocation's log (START … REPORT), only when `tailLog` was asked for; the gateway trims it. */
  readonly log?: string;
  readonly coldStart: boolean;
  readonly initDurationMs?: number;
  readonly durationMs: number;
  readonly maxMemoryUsedMb?: number;
  /** Served by an environment of provisioned concurrency (Lambda's ProvisionedConcurrency* metrics). */
  readonly provisioned?: boolean;
}

/**
 * A set of execution environments for all functions. Implementations start environments on
 * demand (cold start), reuse idle ones of the same version and code, and replace broken ones.
 * Throws LaminaError subclasses for platform failures (never for function errors).
 */
export interface EnvironmentPool {
  invoke(fn: FunctionVersionConfig, invocation: Invocation): Promise<InvocationResult>;
  /**
   * Stop the environments of a function (it was deleted or changed): of one version when
   * `version` is given (an updated `$LATEST` leaves published versions' environments alone),
   * else of all its versions.
   */
  evict(functionName: string, version?: string): Promise<void>;
  /** Busy environments right now, per function name. */
  busy(): ReadonlyMap<string, number>;
  /**
   * Provisioned concurrency: keep `count` environments of this published version started and
   * initialised before any call (0 returns it to on-demand; the extra environments stop when
   * idle). Absent: the pool cannot pre-initialise (the configs stay IN_PROGRESS).
   */
  provision?(fn: FunctionVersionConfig, count: number): void;
  /** Provisioned environments of that version initialised now, and the last init failure. */
  provisioned?(functionName: string, version: string): { ready: number; failure?: string };
  close(): Promise<void>;
}

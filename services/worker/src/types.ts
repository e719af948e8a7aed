/** Narrow interfaces the worker depends on; pino's Logger satisfies WorkerLogger. */

export interface WorkerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Receives each line of a function's log (no trailing newline): the runtime's stdout and stderr,
 * and the platform's START / END / REPORT lines.
 */
export type LogSink = (functionName: string, line: string, logStreamName: string) => void;

/** Wall-clock time in epoch milliseconds (deadlines, idle TTL, log stream dates). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** How to start the runtime process of one runtime id, e.g. `[node, bootstrapPath]`. */
export interface RuntimeCommand {
  readonly command: readonly string[];
  /** LAMBDA_RUNTIME_DIR; default the directory of the command's second word (the bootstrap). */
  readonly runtimeDir?: string;
  /**
   * The runtime can start without a function and ask Lamina's specialization request for one
   * (runtimes/nodejs; ADR 0019). Official runtime interface clients read their function at start
   * and leave this unset.
   */
  readonly specializable?: boolean;
  /**
   * Pre-warmed generic runtimes kept started for cold calls: default 1 when `specializable`,
   * 0 turns the pool off; ignored (with a warning) for a runtime that is not specializable.
   */
  readonly warmPool?: number;
  /**
   * Host paths the runtime needs inside a sandbox (ADR 0029), shown read-only at the same paths:
   * its interpreter when outside the system folders, its bootstrap, its runtime interface client.
   * Default: the command's absolute paths.
   */
  readonly sandboxPaths?: readonly string[];
  /** A root filesystem for the runtime where the host lacks its interpreter (ADR 0029). */
  readonly rootfs?: string;
  /**
   * The interpreter's options, placed after the command's first word: given the function's
   * memory in MB, or undefined for a generic runtime started before its function is known
   * (Node.js: core's `lambdaNodeOptions`, as Lambda's bootstrap starts `node`).
   */
  readonly interpreterOptions?: (memoryMb: number | undefined) => readonly string[];
}

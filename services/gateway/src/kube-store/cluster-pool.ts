import {
  type EnvironmentPool,
  type FunctionVersionConfig,
  type InvocationResult,
  ResourceNotReadyException,
} from '@lamina/core';

/**
 * The execution environments of cluster mode: worker pods the operator runs, reached through
 * their worker agent. That agent client is not written yet, so every invocation is refused with
 * 502 ResourceNotReadyException, saying so, rather than pretending to run anything.
 */
export class ClusterPool implements EnvironmentPool {
  invoke(fn: FunctionVersionConfig): Promise<InvocationResult> {
    return Promise.reject(
      new ResourceNotReadyException(
        `no execution environment is reachable for ${fn.name}:${fn.version} (cluster worker agent not implemented yet)`,
      ),
    );
  }

  /** Worker pods follow the Function resource (the operator); nothing to drop here. */
  evict(): Promise<void> {
    return Promise.resolve();
  }

  busy(): ReadonlyMap<string, number> {
    return new Map();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

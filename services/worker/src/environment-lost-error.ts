/**
 * The runtime process died between invocations, before it fetched the one given to it: the
 * handler never saw the event, so the pool retries it on a fresh environment.
 */
export class EnvironmentLostError extends Error {
  constructor(functionName: string) {
    super(`The execution environment of ${functionName} exited before it took the invocation.`);
    this.name = 'EnvironmentLostError';
  }
}

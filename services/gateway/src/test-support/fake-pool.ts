import type {
  EnvironmentPool,
  FunctionVersionConfig,
  Invocation,
  InvocationResult,
} from '@lamina/core';

export type InvokeHandler = (
  fn: FunctionVersionConfig,
  invocation: Invocation,
) => InvocationResult | Promise<InvocationResult>;

/** Echoes the payload unless a handler is set; records every call. */
export class FakePool implements EnvironmentPool {
  readonly calls: { fn: FunctionVersionConfig; invocation: Invocation }[] = [];
  readonly evicted: string[] = [];
  handler: InvokeHandler = (_fn, invocation) => ({
    payload: invocation.payload,
    executedVersion: '$LATEST',
    coldStart: false,
    durationMs: 1.5,
  });

  async invoke(fn: FunctionVersionConfig, invocation: Invocation): Promise<InvocationResult> {
    this.calls.push({ fn, invocation });
    return this.handler(fn, invocation);
  }
  evict(functionName: string): Promise<void> {
    this.evicted.push(functionName);
    return Promise.resolve();
  }
  /** Provisioned targets per `name:version`; `provisionedReady` says how many are initialised. */
  readonly provisionTargets = new Map<string, number>();
  provisionedReady: (name: string, version: string) => { ready: number; failure?: string } = (
    name,
    version,
  ) => ({ ready: this.provisionTargets.get(`${name}:${version}`) ?? 0 });
  provision(fn: FunctionVersionConfig, count: number): void {
    if (count === 0) this.provisionTargets.delete(`${fn.name}:${fn.version}`);
    else this.provisionTargets.set(`${fn.name}:${fn.version}`, count);
  }
  provisioned(name: string, version: string): { ready: number; failure?: string } {
    return this.provisionedReady(name, version);
  }
  busy(): ReadonlyMap<string, number> {
    return new Map();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

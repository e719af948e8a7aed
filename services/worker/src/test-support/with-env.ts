/** Runs a test body against one started ExecutionEnvironment, stopped afterwards. */
import type { FunctionVersionConfig, InvocationResult } from '@lamina/core';
import { ExecutionEnvironment } from '../execution-environment.js';
import { makeFn, makeInvocation, nodeCommand, quietLogger } from './fixtures.js';

export interface Run {
  env: ExecutionEnvironment;
  lines: string[];
  invoke: (payload?: unknown, tailLog?: boolean) => Promise<InvocationResult>;
}

export async function withEnv(
  overrides: Partial<FunctionVersionConfig>,
  body: (run: Run) => Promise<void>,
  command: readonly string[] = nodeCommand,
): Promise<void> {
  const lines: string[] = [];
  const env = new ExecutionEnvironment({
    fn: makeFn(overrides),
    command,
    logger: quietLogger,
    onLog: (_fn, line) => lines.push(line),
    memoryCheckIntervalMs: 20,
  });
  await env.start();
  try {
    await body({
      env,
      lines,
      invoke: (payload = {}, tailLog = false) => env.invoke(makeInvocation(payload, { tailLog })),
    });
  } finally {
    await env.stop();
  }
}

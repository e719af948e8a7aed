import path from 'node:path';
import type { FunctionVersionConfig } from '@lamina/core';
import type { RuntimeCommand } from '../types.js';
import type { AgentConfig } from './config.js';

/** The function version this pod runs, as an execution environment takes it. */
export function functionConfigOf(
  config: AgentConfig,
  codeDir: string,
  environment: Readonly<Record<string, string>>,
): FunctionVersionConfig {
  return {
    name: config.functionName,
    version: config.version,
    runtime: config.runtime,
    handler: config.handler,
    memorySize: config.memorySizeMb,
    timeout: config.timeoutSeconds,
    ephemeralStorage: config.ephemeralStorageMb,
    environment,
    codeDir,
    // The code store names code by hex; the environment keeps Lambda's base64 form.
    codeSha256: Buffer.from(config.codeSha256Hex ?? '', 'hex').toString('base64'),
    ...(config.layers.length === 0 ? {} : { layers: config.layers }),
    functionArn: `arn:aws:lambda:${config.region}:${config.accountId}:function:${config.functionName}`,
    region: config.region,
    ...(config.logging === undefined ? {} : { logging: config.logging }),
  };
}

/**
 * How the runtime process starts. The image's bootstrap (AWS base-image layout) gets the handler
 * as its one argument, as `/lambda-entrypoint.sh` passes it; a `provided*` runtime is the
 * code's own `./bootstrap`, started in the code directory, as on Lambda.
 */
export function runtimeCommandOf(config: AgentConfig): RuntimeCommand {
  const runtimeDir = path.dirname(config.bootstrap);
  if (config.runtime.startsWith('provided')) return { command: ['./bootstrap'], runtimeDir };
  return { command: [config.bootstrap, config.handler], runtimeDir };
}

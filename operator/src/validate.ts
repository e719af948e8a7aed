import { KNOWN_RUNTIMES, LaminaError, validateFunctionSpec } from '@lamina/core';
import type { FunctionResourceSpec } from '@lamina/kube';

import type { Problem } from './builders/status.js';

/**
 * The rules the API server cannot check (reserved variable names, the environment's size in
 * bytes, Lambda's function-name pattern) come from core, with Lambda's messages. A problem here
 * is the user's to fix: the Function goes Failed and is not retried until it changes.
 */
export function validateFunction(
  name: string,
  spec: FunctionResourceSpec,
  supportedRuntimes: readonly string[] = KNOWN_RUNTIMES,
): Problem | undefined {
  const image = spec.code.image !== undefined;
  if (spec.code.path !== undefined) {
    return {
      reason: 'InvalidParameterValueException',
      message:
        'code.path only works in local mode (lamina dev): in a cluster, publish the code to the code store and set code.sha256, or use code.image',
    };
  }
  try {
    validateFunctionSpec(
      {
        name,
        // Container-image functions bring their own runtime and entry point (ADR 0028).
        runtime: spec.runtime,
        handler: spec.handler,
        ...(image ? { packageType: 'Image' } : {}),
        description: spec.description,
        role: spec.role,
        memorySize: spec.memorySize,
        timeout: spec.timeout,
        ephemeralStorage: spec.ephemeralStorage?.size,
        environment: spec.environment?.variables,
        reservedConcurrency: spec.reservedConcurrency,
        architectures: spec.architectures,
      },
      supportedRuntimes,
    );
    return undefined;
  } catch (err) {
    if (err instanceof LaminaError) return { reason: err.name, message: err.message };
    throw err;
  }
}

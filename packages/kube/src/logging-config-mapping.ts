/**
 * A Function resource's `loggingConfig` ⇄ core's FunctionLogging (ADR 0041): the gateway writes
 * and reads it, the operator turns it into the worker pods' environment. One mapping for both.
 *
 * Invariants: pure; `loggingOfResource` fills in the JSON format's default levels (INFO) as the
 * API would store them and answers undefined for Lambda's defaults (Text, default group), so a
 * resource without loggingConfig and one with `{logFormat: Text}` mean the same.
 */
import { type FunctionLogging, isDefaultLogging, normalizeLogging } from '@lamina/core';

import type { FunctionResourceSpec } from './schema/function.js';

export type ResourceLoggingConfig = NonNullable<FunctionResourceSpec['loggingConfig']>;

/** The resource's loggingConfig of core settings (the same members, camelCase). */
export function resourceLoggingConfig(l: FunctionLogging): ResourceLoggingConfig {
  return {
    logFormat: l.format,
    ...(l.applicationLogLevel === undefined ? {} : { applicationLogLevel: l.applicationLogLevel }),
    ...(l.systemLogLevel === undefined ? {} : { systemLogLevel: l.systemLogLevel }),
    ...(l.logGroup === undefined ? {} : { logGroup: l.logGroup }),
  };
}

/**
 * The core settings of a resource's loggingConfig; a Text format with levels (which the CRD's
 * rule refuses) keeps only its log group.
 */
export function loggingOfResource(
  c: ResourceLoggingConfig | undefined,
): { logging: FunctionLogging } | undefined {
  if (c === undefined) return undefined;
  const group = c.logGroup === undefined ? {} : { logGroup: c.logGroup };
  const logging: FunctionLogging =
    c.logFormat === 'JSON'
      ? normalizeLogging({
          format: 'JSON',
          ...(c.applicationLogLevel === undefined
            ? {}
            : { applicationLogLevel: c.applicationLogLevel }),
          ...(c.systemLogLevel === undefined ? {} : { systemLogLevel: c.systemLogLevel }),
          ...group,
        })
      : { format: 'Text', ...group };
  return isDefaultLogging(logging) ? undefined : { logging };
}

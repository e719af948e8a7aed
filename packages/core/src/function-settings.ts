/**
 * Per-function settings Lambda keeps beside the configuration (issue #16): the runtime management
 * config (UpdateRuntimeOn Auto / FunctionUpdate / Manual, with a RuntimeVersionArn only and always
 * with Manual) and the recursive loop detection setting (Terminate by default, or Allow). Lamina
 * stores them on the function record, so both modes keep them; neither changes how code runs here
 * (a runtime is what the installation provides; Lamina has no loop detection).
 *
 * Invariant: pure; enums and ARN patterns are the service model's, checked before this.
 */
import { InvalidParameterValueException } from './errors.js';

export type UpdateRuntimeOn = 'Auto' | 'FunctionUpdate' | 'Manual';
export type RecursiveLoop = 'Allow' | 'Terminate';

export interface FunctionSettings {
  readonly updateRuntimeOn?: UpdateRuntimeOn;
  readonly runtimeVersionArn?: string;
  readonly recursiveLoop?: RecursiveLoop;
}

export interface RuntimeManagementConfig {
  readonly updateRuntimeOn: UpdateRuntimeOn;
  readonly runtimeVersionArn?: string;
}

/** PutRuntimeManagementConfig's body, under Lambda's rule tying the ARN to Manual. */
export function parseRuntimeManagement(body: Record<string, unknown>): RuntimeManagementConfig {
  const mode = body['UpdateRuntimeOn'] as UpdateRuntimeOn;
  const arn = body['RuntimeVersionArn'];
  if (mode === 'Manual') {
    if (typeof arn !== 'string' || arn === '') {
      throw new InvalidParameterValueException(
        'RuntimeVersionArn must be provided when UpdateRuntimeOn is Manual.',
      );
    }
    return { updateRuntimeOn: mode, runtimeVersionArn: arn };
  }
  if (arn !== undefined && arn !== null) {
    throw new InvalidParameterValueException(
      `RuntimeVersionArn can only be provided when UpdateRuntimeOn is Manual (got ${mode}).`,
    );
  }
  return { updateRuntimeOn: mode };
}

/** The runtime management config of a function's settings (Auto when none was put). */
export function runtimeManagementOf(s: FunctionSettings | undefined): RuntimeManagementConfig {
  return s?.updateRuntimeOn === undefined
    ? { updateRuntimeOn: 'Auto' }
    : {
        updateRuntimeOn: s.updateRuntimeOn,
        ...(s.runtimeVersionArn === undefined ? {} : { runtimeVersionArn: s.runtimeVersionArn }),
      };
}

/** Get/PutRuntimeManagementConfig's answer; the ARN only in Manual mode, as on AWS. */
export function runtimeManagementJson(
  c: RuntimeManagementConfig,
  functionArn: string,
): Record<string, unknown> {
  return {
    UpdateRuntimeOn: c.updateRuntimeOn,
    FunctionArn: functionArn,
    ...(c.runtimeVersionArn === undefined ? {} : { RuntimeVersionArn: c.runtimeVersionArn }),
  };
}

/** `settings` with the runtime management config replaced. */
export function withRuntimeManagement(
  settings: FunctionSettings | undefined,
  c: RuntimeManagementConfig,
): FunctionSettings {
  return {
    ...(settings?.recursiveLoop === undefined ? {} : { recursiveLoop: settings.recursiveLoop }),
    updateRuntimeOn: c.updateRuntimeOn,
    ...(c.runtimeVersionArn === undefined ? {} : { runtimeVersionArn: c.runtimeVersionArn }),
  };
}

/** Parses stored settings (a cluster annotation); unreadable: none. */
export function parseFunctionSettings(json: string | undefined): FunctionSettings | undefined {
  if (json === undefined) return undefined;
  try {
    const v = JSON.parse(json) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const o = v as Record<string, unknown>;
    const modes: readonly unknown[] = ['Auto', 'FunctionUpdate', 'Manual'];
    const loops: readonly unknown[] = ['Allow', 'Terminate'];
    return {
      ...(modes.includes(o['updateRuntimeOn'])
        ? { updateRuntimeOn: o['updateRuntimeOn'] as UpdateRuntimeOn }
        : {}),
      ...(typeof o['runtimeVersionArn'] === 'string'
        ? { runtimeVersionArn: o['runtimeVersionArn'] }
        : {}),
      ...(loops.includes(o['recursiveLoop'])
        ? { recursiveLoop: o['recursiveLoop'] as RecursiveLoop }
        : {}),
    };
  } catch {
    return undefined;
  }
}

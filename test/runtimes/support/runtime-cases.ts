/**
 * The conformance function of each runtime family as the runtime suites run it: how its code is
 * packaged, its handler and a handler of a module that does not exist (the init error), and the
 * error shapes of the official client (or ours, for local Node.js) that runs it. Shared by the
 * local conformance suite and the worker-image suite, so both assert the same shapes.
 *
 * Invariant: one factory per family, parametrised by runtime id only; a runtime's version never
 * changes what its conformance function looks like.
 */
import { join } from 'node:path';

import { expect } from 'vitest';

import { functionsDir, javaConformanceZip, zipDir } from './runtime-support.js';

/** One runtime under test: how its conformance function is packaged and how it fails. */
export interface RuntimeCase {
  readonly runtime: string;
  readonly handler: string;
  /** A handler whose module (class, script branch) does not exist: an init error. */
  readonly missingHandler: string;
  readonly code: () => Buffer;
  readonly errorType: string;
  readonly initErrorType: string;
  /** Checks the language's own error body beyond errorMessage and errorType. */
  readonly errorShape: (body: Record<string, unknown>, requestId: string) => void;
}

const stackOf = (body: Record<string, unknown>, key: string): unknown[] => {
  const v = body[key];
  expect(Array.isArray(v)).toBe(true);
  return v as unknown[];
};

export const nodejsCase = (runtime: string): RuntimeCase => ({
  runtime,
  handler: 'index.handler',
  missingHandler: 'missing.handler',
  code: () => zipDir(join(functionsDir, 'nodejs')),
  errorType: 'Error',
  initErrorType: 'Runtime.ImportModuleError',
  errorShape: (body) => {
    expect(String(stackOf(body, 'trace')[0])).toBe('Error: boom');
  },
});

export const pythonCase = (runtime: string): RuntimeCase => ({
  runtime,
  handler: 'app.handler',
  missingHandler: 'missing.handler',
  code: () => zipDir(join(functionsDir, 'python')),
  errorType: 'ValueError',
  initErrorType: 'Runtime.ImportModuleError',
  errorShape: (body, requestId) => {
    expect(body['requestId']).toBe(requestId);
    expect(stackOf(body, 'stackTrace').join('')).toContain('raise ValueError("boom")');
  },
});

export const javaCase = (runtime: string): RuntimeCase => ({
  runtime,
  handler: 'conformance.Handler::handleRequest',
  missingHandler: 'conformance.Missing::handleRequest',
  code: javaConformanceZip,
  errorType: 'java.lang.RuntimeException',
  initErrorType: 'java.lang.ClassNotFoundException',
  errorShape: (body) => {
    expect(stackOf(body, 'stackTrace').join('\n')).toContain('conformance.Handler.handleRequest');
  },
});

export const providedCase: RuntimeCase = {
  runtime: 'provided.al2023',
  handler: 'conformance.handler',
  missingHandler: 'missing.handler',
  code: () => zipDir(join(functionsDir, 'provided')),
  errorType: 'Function.Boom',
  initErrorType: 'Runtime.ImportModuleError',
  errorShape: (body) => {
    expect(Object.keys(body).sort()).toEqual(['errorMessage', 'errorType']);
  },
};

/** The case of any runtime id of the list (provided.* shares the one shell function). */
export function caseOf(runtime: string): RuntimeCase {
  if (runtime.startsWith('nodejs')) return nodejsCase(runtime);
  if (runtime.startsWith('python')) return pythonCase(runtime);
  if (runtime.startsWith('java')) return javaCase(runtime);
  return providedCase;
}

/**
 * What the secrets-at-rest suites read back (ADR 0039, 0046): the variables Secrets the gateway
 * wrote for a function, and a function's answer to an invoke that must not fail.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { expect } from 'vitest';

import { kubectlOk } from './cluster.js';

export interface SecretJson {
  metadata: {
    name: string;
    ownerReferences?: { kind: string; name: string }[];
    annotations?: Record<string, string>;
  };
  immutable?: boolean;
  data?: Record<string, string>;
}

/** The `lamina.dev/variables=api` Secrets of `fn` in `ns`. */
export async function variablesSecretsOf(ns: string, fn: string): Promise<SecretJson[]> {
  const out = await kubectlOk([
    'get', 'secrets', '-n', ns, '-l', 'lamina.dev/variables=api', '-o', 'json',
  ]); // prettier-ignore
  return (JSON.parse(out) as { items: SecretJson[] }).items.filter(
    (s) => s.metadata.annotations?.['lamina.dev/function'] === fn,
  );
}

/** Invokes `fn` (or one of its qualifiers), expects no function error, returns the JSON. */
export async function invokeJson(
  lambda: LambdaClient,
  fn: string,
  qualifier?: string,
): Promise<unknown> {
  const r = await lambda.send(
    new InvokeCommand({
      FunctionName: fn,
      ...(qualifier === undefined ? {} : { Qualifier: qualifier }),
    }),
  );
  const text = Buffer.from(r.Payload ?? []).toString('utf8');
  expect(r.FunctionError, text).toBeUndefined();
  return JSON.parse(text);
}

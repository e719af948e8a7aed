/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1EnvVar, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
/**
 * The agent's variables that say where its code, layers and role credentials come from
 * (deployment.ts composes them): code over HTTP with a per-code token or the mounted store, the
 * layers' hashes and tokens (ADR 0020), the role's credentials Secret (issue #17 item 3).
 * Pure functions of the spec and the operator's worker configuration.
 */
import type { V1EnvVar } from '@kubernetes/client-node';
import { codeToken, environmentToken, loggingMembers } from '@lamina/core';
import { type FunctionResourceSpec, loggingOfResource, WORKER_ENV } from '@lamina/kube';

import type { WorkerConfig } from '../config.js';
import { WORKER_PATHS } from './worker-volumes.js';

/** Where the agent finds the code: the mounted store, or the code route plus its token. */
export function codeEnv(
  sha256: string | undefined,
  worker: WorkerConfig,
): [string, string | undefined][] {
  if (sha256 === undefined) return [];
  if (worker.codeDelivery === 'pvc') return [[WORKER_ENV.codeDir, WORKER_PATHS.code]];
  return [
    ['LAMINA_CODE_URL', worker.codeUrl],
    ['LAMINA_CODE_CACHE_DIR', WORKER_PATHS.codeCache],
    [
      'LAMINA_CODE_TOKEN',
      worker.codeTokenSecret === undefined ? undefined : codeToken(worker.codeTokenSecret, sha256),
    ],
  ];
}

/** The layers' hashes in merge order and, for code over HTTP, each one's token (ADR 0020). */
export function layerEnv(
  spec: FunctionResourceSpec,
  worker: WorkerConfig,
): [string, string | undefined][] {
  const hashes = (spec.layers ?? []).map((l) => l.sha256);
  if (hashes.length === 0) return [];
  const secret = worker.codeTokenSecret;
  const tokens =
    worker.codeDelivery === 'http' && secret !== undefined
      ? hashes.map((h) => codeToken(secret, h)).join(',')
      : undefined;
  return [
    [WORKER_ENV.layers, hashes.join(',')],
    ['LAMINA_LAYER_TOKENS', tokens],
  ];
}

/**
 * Sealed variables (ADR 0046): the Secret whose envelope the gateway opens for this pod, the
 * token of that Secret, and where the gateway is (the code route's base URL).
 */
export function sealedEnvironmentEnv(
  secretName: string | undefined,
  worker: WorkerConfig,
): [string, string | undefined][] {
  if (secretName === undefined) return [];
  const secret = worker.codeTokenSecret;
  return [
    [WORKER_ENV.sealedEnvironment, secretName],
    [
      WORKER_ENV.sealedEnvironmentToken,
      secret === undefined ? undefined : environmentToken(secret, secretName),
    ],
    [WORKER_ENV.sealedEnvironmentUrl, worker.codeUrl],
  ];
}

/**
 * The function's LoggingConfig (ADR 0041) for the agent, which formats the platform lines and
 * sets the runtime's AWS_LAMBDA_LOG_FORMAT/LEVEL from it; nothing for Lambda's defaults.
 */
export function loggingEnv(spec: FunctionResourceSpec): [string, string][] {
  const l = loggingOfResource(spec.loggingConfig)?.logging;
  return l === undefined ? [] : [[WORKER_ENV.logging, JSON.stringify(loggingMembers(l))]];
}

/** Keys of a role's credentials Secret, as the runtime gets them (issue #17 item 3). */
const CREDENTIAL_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/**
 * The execution role's credentials from the Secret mapped to it: the agent passes them on to the
 * runtime (without a mapping it gets clearly fake ones). A token is optional (static keys).
 */
export function credentialsEnv(spec: FunctionResourceSpec, worker: WorkerConfig): V1EnvVar[] {
  const secret = spec.role === undefined ? undefined : worker.roleCredentials[spec.role];
  if (secret === undefined) return [];
  return CREDENTIAL_KEYS.map((key) => ({
    name: key,
    valueFrom: {
      secretKeyRef: {
        name: secret,
        key,
        ...(key === 'AWS_SESSION_TOKEN' ? { optional: true } : {}),
      },
    },
  }));
}

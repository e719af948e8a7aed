import { API_GROUP } from '@lamina/core';

export const GROUP = API_GROUP;
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Plural resource names, as in URLs and RBAC rules. */
export const PLURALS = {
  Function: 'functions',
  FunctionVersion: 'functionversions',
  Alias: 'aliases',
  EventSourceMapping: 'eventsourcemappings',
  LayerVersion: 'layerversions',
  Schedule: 'schedules',
} as const;

/** Labels the operator puts on what it creates, and selects its informers by. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
  function: 'lamina.dev/function',
  version: 'lamina.dev/version',
  /** On a LayerVersion: deleted through the API, kept so its number is never reused. */
  deleted: 'lamina.dev/deleted',
} as const;

export const MANAGED_BY = 'lamina-operator';

/**
 * On a Function: the egress groups its pods join (ADR 0036), comma- or space-separated. The
 * gateway writes it from VpcConfig's security groups (ADR 0039); the operator labels the pods.
 */
export const EGRESS_ANNOTATION = 'lamina.dev/egress';
/**
 * On a Function or FunctionVersion whose variables are sealed under its KMS key (ADR 0046): the
 * Secret holding the envelope. The gateway writes it; the operator tells the pods to fetch the
 * variables from the gateway instead of projecting them.
 */
export const SEALED_ENVIRONMENT_ANNOTATION = 'lamina.dev/sealed-environment';

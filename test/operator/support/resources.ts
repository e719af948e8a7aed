import { eventually } from '@lamina/testkit';

import { getJson, kubectl } from './cluster.js';

export interface Meta {
  name: string;
  uid: string;
  generation?: number;
  finalizers?: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface FunctionJson {
  metadata: Meta;
  spec: Record<string, unknown>;
  status?: {
    state?: string;
    stateReason?: string;
    stateReasonCode?: string;
    lastUpdateStatus?: string;
    observedGeneration?: number;
    readyEnvironments?: number;
    codeSha256?: string;
    deploymentName?: string;
    conditions?: { type: string; status: string; reason: string; observedGeneration?: number }[];
  };
}

export interface DeploymentJson {
  metadata: Meta;
  spec: {
    replicas: number;
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: {
        automountServiceAccountToken?: boolean;
        securityContext?: Record<string, unknown>;
        containers: {
          image: string;
          resources: Record<string, unknown>;
          securityContext: Record<string, unknown>;
        }[];
        volumes: { name: string; emptyDir?: { sizeLimit?: string } }[];
      };
    };
  };
}

export interface EventJson {
  reason: string;
  message: string;
  type: string;
  reportingInstance?: string;
  involvedObject: { name: string; kind: string };
}

export const getFunction = (ns: string, name: string) =>
  getJson<FunctionJson>(['get', 'functions.lamina.dev', name, '-n', ns]);

export const getDeployment = (ns: string, name: string) =>
  getJson<DeploymentJson>(['get', 'deployment', name, '-n', ns]);

export const getSecret = (ns: string, name: string) =>
  getJson<{ metadata: Meta; data?: Record<string, string> }>(['get', 'secret', name, '-n', ns]);

export async function eventsOf(ns: string, name: string): Promise<EventJson[]> {
  const list = await getJson<{ items: EventJson[] }>([
    'get',
    'events',
    '-n',
    ns,
    '--field-selector',
    `involvedObject.name=${name},involvedObject.kind=Function`,
  ]);
  return list?.items ?? [];
}

/** Waits until the Function's status satisfies `ok`. */
export function waitForStatus(
  ns: string,
  name: string,
  what: string,
  ok: (f: FunctionJson) => boolean,
  timeoutMs = 30_000,
): Promise<FunctionJson> {
  return eventually(
    async () => {
      const f = await getFunction(ns, name);
      return f && ok(f) ? f : undefined;
    },
    { what: `${name}: ${what}`, timeoutMs: timeoutMs },
  );
}

/** Names of objects of a kind that carry the function's label. */
export async function ownedNames(ns: string, kind: string, fn: string): Promise<string[]> {
  const r = await kubectl(['get', kind, '-n', ns, '-l', `lamina.dev/function=${fn}`, '-o', 'name']);
  return r.stdout.split('\n').filter((l) => l !== '');
}

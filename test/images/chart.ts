import { readFileSync } from 'node:fs';

import { parseAllDocuments } from 'yaml';

/** What the chart's Deployment of one component asks of its image (deploy/lamina.yaml). */
export interface ChartContainer {
  readonly image: string;
  readonly port: number;
  readonly readinessPath: string;
  readonly livenessPath: string;
  readonly runAsUser: number;
  readonly readOnlyRootFilesystem: boolean;
  readonly dropsAll: boolean;
  /** `value` entries as they are; `valueFrom` resolved with `fields` (fieldRef) or left out. */
  readonly env: Readonly<Record<string, string>>;
  /** Every volume mount: all are emptyDir (or a claim) the container must be able to write. */
  readonly mounts: readonly string[];
  /** The memory limit in Docker's notation (`256Mi` → `256m`). */
  readonly memoryLimit: string;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Deployment {
  kind: string;
  metadata: { labels?: Record<string, string> };
  spec: {
    template: {
      spec: {
        securityContext?: { runAsUser?: number };
        containers: {
          image: string;
          ports: { containerPort: number }[];
          env?: EnvVar[];
          readinessProbe: { httpGet: { path: string } };
          livenessProbe: { httpGet: { path: string } };
          securityContext?: {
            readOnlyRootFilesystem?: boolean;
            capabilities?: { drop?: string[] };
          };
          volumeMounts?: { mountPath: string }[];
          resources: { limits: { memory: string } };
        }[];
      };
    };
  };
}

/**
 * The container of `component` in the chart as rendered with default values into `manifests`
 * (deploy/lamina.yaml, which test/operator/helm.int.test.ts keeps equal to `helm template`).
 */
export function chartContainer(
  manifests: string,
  component: string,
  fields: Readonly<Record<string, string>>,
): ChartContainer {
  const docs = parseAllDocuments(readFileSync(manifests, 'utf8')).map(
    (d) => d.toJS() as Deployment | null,
  );
  const dep = docs.find(
    (d) =>
      d?.kind === 'Deployment' && d.metadata.labels?.['app.kubernetes.io/component'] === component,
  );
  const pod = dep?.spec.template.spec;
  const c = pod?.containers[0];
  if (pod === undefined || c === undefined) throw new Error(`no ${component} Deployment`);
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    const value = e.value ?? (field === undefined ? undefined : fields[field]);
    if (value !== undefined) env[e.name] = value;
  }
  return {
    image: c.image,
    port: c.ports[0]?.containerPort ?? 0,
    readinessPath: c.readinessProbe.httpGet.path,
    livenessPath: c.livenessProbe.httpGet.path,
    runAsUser: pod.securityContext?.runAsUser ?? 0,
    readOnlyRootFilesystem: c.securityContext?.readOnlyRootFilesystem === true,
    dropsAll: c.securityContext?.capabilities?.drop?.includes('ALL') === true,
    env,
    mounts: (c.volumeMounts ?? []).map((m) => m.mountPath),
    memoryLimit: c.resources.limits.memory.replace(
      /^(\d+)([MG])i$/,
      (_m, n: string, u: string) => `${n}${u.toLowerCase()}`,
    ),
  };
}

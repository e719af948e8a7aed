/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node's models (V1Container, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
/**
 * The pod of a container-image function (ADR 0028): the function's image runs untouched as its
 * own container, with the image's ENTRYPOINT/CMD/WORKDIR unless ImageConfig overrides them
 * (command/args/workingDir), so the operator never needs the image's configuration (no registry
 * access). Lamina's agent runs beside it as the `worker` container (a worker image: every one
 * carries the agent), serving the agent protocol to the gateway and the Runtime API on
 * 127.0.0.1:IMAGE_RUNTIME_API_PORT, which the image's runtime interface client finds in
 * AWS_LAMBDA_RUNTIME_API.
 *
 * Invariants: the agent container comes first and its postStart hook returns only once the
 * Runtime API listens, so the kubelet starts the function container after it (containers start
 * in order, each after the previous one's postStart); the pod shares one process namespace, so
 * the agent can reset the function container after a timeout; the function container gets
 * Lambda's reserved variables, the function's variables (the operator's Secret) and the role's
 * credentials, as a runtime process would; `LAMINA_CODE_SHA256` on the agent is the image's
 * identity, so the gateway's pool tells the pods of a new image from the old ones.
 */
import type { V1Container, V1EnvVar, V1ResourceRequirements } from '@kubernetes/client-node';
import { imageIdentityHex, logGroupOf, loggingRuntimeEnv } from '@lamina/core';
import {
  FUNCTION_CONTAINER,
  type FunctionResourceSpec,
  IMAGE_RUNTIME_API_PORT,
  loggingOfResource,
  WORKER_ENV,
} from '@lamina/kube';

import type { WorkerConfig } from '../config.js';

/** The agent's Node.js and program in every worker image (runtimes/images/worker.Dockerfile). */
const AGENT_NODE = '/var/lamina/agent/node';
/** Waits (at most 120 s) until the Runtime API accepts connections. */
const WAIT_FOR_RUNTIME_API = `const net=require('node:net');const end=Date.now()+120000;(function t(){const s=net.connect(${String(IMAGE_RUNTIME_API_PORT)},'127.0.0.1');s.on('connect',()=>{s.destroy();process.exit(0)});s.on('error',()=>{s.destroy();if(Date.now()>end)process.exit(1);setTimeout(t,100)})})()`;

/** The agent's image beside an image function. */
export function agentImage(worker: WorkerConfig): string {
  return worker.agentImage ?? `${worker.imagePrefix}-nodejs22:${worker.imageTag}`;
}

/** The agent alone: what the overhead setting gives it (the function has its own limits). */
function agentResources(overheadMb: number): V1ResourceRequirements {
  const memory = `${String(Math.max(overheadMb, 64))}Mi`;
  return { requests: { cpu: '50m', memory }, limits: { cpu: '250m', memory } };
}

export interface ImagePodInput {
  readonly spec: FunctionResourceSpec;
  readonly functionName: string;
  readonly version: string;
  readonly secretName: string;
  readonly worker: WorkerConfig;
  readonly provisioned?: boolean;
  /** The role's credentials (`AWS_*` from its Secret), as the agent gets them. */
  readonly credentials: readonly V1EnvVar[];
}

/** The containers of an image function's pod, from the agent container a zip function gets. */
export function imagePod(
  agent: V1Container,
  input: ImagePodInput,
): { containers: V1Container[]; shareProcessNamespace: boolean } {
  return {
    containers: [imageAgentContainer(agent, input), functionContainer(agent, input)],
    shareProcessNamespace: true,
  };
}

/** The agent container of an image pod, made from the zip variant's. */
function imageAgentContainer(agent: V1Container, input: ImagePodInput): V1Container {
  const image = input.spec.code.image ?? '';
  const skip = new Set<string>([WORKER_ENV.codeSha256, WORKER_ENV.runtime, WORKER_ENV.handler]);
  return {
    ...agent,
    image: agentImage(input.worker),
    env: [
      ...(agent.env ?? []).filter((e) => !skip.has(e.name)),
      { name: WORKER_ENV.codeSha256, value: imageIdentityHex(image) },
      { name: WORKER_ENV.runtimeApiPort, value: String(IMAGE_RUNTIME_API_PORT) },
    ],
    resources: agentResources(input.worker.memoryOverheadMb),
    lifecycle: { postStart: { exec: { command: [AGENT_NODE, '-e', WAIT_FOR_RUNTIME_API] } } },
  };
}

/** Lambda's reserved variables, the function's own and the role's credentials. */
function functionEnv(input: ImagePodInput): V1EnvVar[] {
  const { spec, functionName, worker } = input;
  const logging = loggingOfResource(spec.loggingConfig)?.logging;
  const refs = Object.entries(spec.environment?.valueFrom ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  const fixed: [string, string][] = [
    ['AWS_LAMBDA_RUNTIME_API', `127.0.0.1:${String(IMAGE_RUNTIME_API_PORT)}`],
    ['AWS_LAMBDA_FUNCTION_NAME', functionName],
    ['AWS_LAMBDA_FUNCTION_VERSION', input.version],
    ['AWS_LAMBDA_FUNCTION_MEMORY_SIZE', String(spec.memorySize)],
    ['AWS_LAMBDA_LOG_GROUP_NAME', logGroupOf(functionName, logging)],
    // LoggingConfig JSON: the image's own client writes JSON lines at that level (ADR 0041).
    ...Object.entries(loggingRuntimeEnv(logging)),
    [
      'AWS_LAMBDA_INITIALIZATION_TYPE',
      input.provisioned === true ? 'provisioned-concurrency' : 'on-demand',
    ],
    ['AWS_REGION', worker.region],
    ['AWS_DEFAULT_REGION', worker.region],
  ];
  // Without a mapped role, clearly fake credentials, as the agent gives a zip function's runtime.
  const credentials: V1EnvVar[] =
    input.credentials.length > 0
      ? [...input.credentials]
      : [
          { name: 'AWS_ACCESS_KEY_ID', value: 'LAMINAFAKEACCESSKEY0' },
          {
            name: 'AWS_SECRET_ACCESS_KEY',
            value: 'lamina-fake-secret-no-credentials-are-mapped-to-this-role',
          },
          { name: 'AWS_SESSION_TOKEN', value: 'lamina-fake-session-token' },
        ];
  return [
    // The RIC requires a log stream name: the pod's, as `[<version>]<pod>` (one per environment).
    { name: 'LAMINA_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'AWS_LAMBDA_LOG_STREAM_NAME', value: `[${input.version}]$(LAMINA_POD_NAME)` },
    ...refs.map(([name, { secretKeyRef }]) => ({
      name,
      valueFrom: {
        secretKeyRef: {
          name: secretKeyRef.name,
          key: secretKeyRef.key,
          ...(secretKeyRef.optional === undefined ? {} : { optional: secretKeyRef.optional }),
        },
      },
    })),
    ...credentials,
    ...fixed.map(([name, value]) => ({ name, value })),
  ];
}

/**
 * The function's own container: its image, ImageConfig as command/args/workingDir, the
 * function's resources (MemorySize, CPU in proportion) and the agent container's lockdown.
 */
function functionContainer(agent: V1Container, input: ImagePodInput): V1Container {
  const { spec, worker } = input;
  const config = spec.imageConfig;
  return {
    name: FUNCTION_CONTAINER,
    image: spec.code.image ?? '',
    imagePullPolicy: worker.imagePullPolicy,
    ...(config?.entryPoint === undefined ? {} : { command: [...config.entryPoint] }),
    ...(config?.command === undefined ? {} : { args: [...config.command] }),
    ...(config?.workingDirectory === undefined ? {} : { workingDir: config.workingDirectory }),
    // Variables of the Secret first; the reserved ones after, so they win.
    envFrom: [{ secretRef: { name: input.secretName, optional: true } }],
    env: functionEnv(input),
    ...(agent.resources === undefined ? {} : { resources: agent.resources }),
    ...(agent.securityContext === undefined ? {} : { securityContext: agent.securityContext }),
    volumeMounts: (agent.volumeMounts ?? []).filter((m) => m.mountPath === '/tmp'),
  };
}

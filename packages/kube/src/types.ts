import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

import type { AliasResourceSpec, AliasResourceStatus } from './schema/alias.js';
import type {
  EventSourceMappingResourceSpec,
  EventSourceMappingResourceStatus,
} from './schema/event-source-mapping.js';
import type {
  FunctionVersionResourceSpec,
  FunctionVersionResourceStatus,
} from './schema/function-version.js';
import type { FunctionResourceSpec, FunctionResourceStatus } from './schema/function.js';
import type {
  LayerVersionResourceSpec,
  LayerVersionResourceStatus,
} from './schema/layer-version.js';
import type { ScheduleResourceSpec, ScheduleResourceStatus } from './schema/schedule.js';

/** A custom resource as the API server serves it (defaults applied). */
export interface Resource<Spec, Status> extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: Spec;
  status?: Status;
}

export type FunctionResource = Resource<FunctionResourceSpec, FunctionResourceStatus>;
export type FunctionVersionResource = Resource<
  FunctionVersionResourceSpec,
  FunctionVersionResourceStatus
>;
export type AliasResource = Resource<AliasResourceSpec, AliasResourceStatus>;
export type EventSourceMappingResource = Resource<
  EventSourceMappingResourceSpec,
  EventSourceMappingResourceStatus
>;
export type LayerVersionResource = Resource<LayerVersionResourceSpec, LayerVersionResourceStatus>;
export type ScheduleResource = Resource<ScheduleResourceSpec, ScheduleResourceStatus>;

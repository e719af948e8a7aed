/**
 * Turns a parsed SAM template into the stack Lamina should hold: functions (with alias,
 * concurrency, async config, events, URL) and layers, every value resolved. What Lamina cannot
 * honour is collected in `unsupported` by resource and property name — never dropped silently.
 *
 * Invariants: Globals.Function applies to every function, maps merged (Environment.Variables)
 * and scalars replaced; a function is named by FunctionName, else `<stack>-<logicalid>` in lower
 * case (in a cluster a function is a Kubernetes resource, whose name must be a lowercase RFC 1123
 * name, and the same template should name its functions alike in both modes); a layer by
 * LayerName, else `<stack>-<LogicalId>`; code paths are relative to the template's folder.
 */
import { isAbsolute, resolve } from 'node:path';

import { type ResolveScope, resolveValue } from './intrinsics.js';
import {
  isObject,
  type Json,
  type JsonObject,
  type Template,
  TemplateError,
  text,
} from './template.js';
import { type PlannedEvent, planEvents } from './events.js';

export const LAYER_VERSION_PLACEHOLDER = '{lamina:layer-version}';

const FUNCTION_PROPERTIES = new Set([
  'CodeUri',
  'Handler',
  'Runtime',
  'MemorySize',
  'Timeout',
  'Environment',
  'Layers',
  'Description',
  'ReservedConcurrentExecutions',
  'ProvisionedConcurrencyConfig',
  'AutoPublishAlias',
  'DeadLetterQueue',
  'EventInvokeConfig',
  'Events',
  'FunctionUrlConfig',
  'FunctionName',
  'PackageType',
  'Architectures',
]);
/** Properties with no meaning on Lamina (IAM is not enforced); listed as ignored, not applied. */
const IGNORED_PROPERTIES = new Set([
  'Role',
  'Policies',
  'PermissionsBoundary',
  'Tracing',
  'Tags',
  'RolePath',
]);
const LAYER_PROPERTIES = new Set([
  'ContentUri',
  'LayerName',
  'Description',
  'CompatibleRuntimes',
  'CompatibleArchitectures',
  'LicenseInfo',
  'RetentionPolicy',
]);

export interface PlannedFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly runtime: string;
  readonly handler: string;
  readonly codePath: string;
  readonly description?: string;
  readonly memorySize?: number;
  readonly timeout?: number;
  readonly environment?: Record<string, string>;
  readonly layers: readonly string[];
  readonly deadLetterTargetArn?: string;
  readonly alias?: string;
  readonly reservedConcurrency?: number;
  readonly provisionedConcurrency?: number;
  readonly eventInvokeConfig?: JsonObject;
  readonly events: readonly PlannedEvent[];
  readonly url?: JsonObject;
}

export interface PlannedLayer {
  readonly logicalId: string;
  readonly name: string;
  readonly contentPath: string;
  readonly description?: string;
  readonly compatibleRuntimes: readonly string[];
}

export interface StackPlan {
  readonly stack: string;
  readonly functions: readonly PlannedFunction[];
  readonly layers: readonly PlannedLayer[];
  readonly unsupported: readonly string[];
  readonly ignored: readonly string[];
}

export interface PlanOptions {
  readonly stack: string;
  readonly templateDir: string;
  readonly overrides: Readonly<Record<string, string>>;
  readonly region: string;
  readonly accountId: string;
}

function parameterValues(t: Template, o: PlanOptions): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, p] of Object.entries(t.parameters)) {
    const v = o.overrides[name] ?? p['Default'];
    if (v === undefined)
      throw new TemplateError(
        `parameter ${name} has no Default; give it with --parameter-overrides ${name}=VALUE`,
      );
    out[name] =
      p['Type'] === 'CommaDelimitedList' || text(p['Type']).startsWith('List<')
        ? text(v).split(',')
        : text(v);
  }
  for (const name of Object.keys(o.overrides)) {
    if (!(name in t.parameters))
      throw new TemplateError(
        `--parameter-overrides names ${name}, which the template does not declare`,
      );
  }
  return out;
}

function merged(globals: JsonObject, props: JsonObject): JsonObject {
  const out: JsonObject = { ...globals };
  for (const [k, v] of Object.entries(props)) {
    const g = out[k];
    out[k] = isObject(g) && isObject(v) ? merged(g, v) : v;
  }
  return out;
}

const num = (v: Json | undefined): number | undefined =>
  v === undefined || v === null ? undefined : Number(v);
const str = (v: Json | undefined): string | undefined =>
  v === undefined || v === null ? undefined : text(v);

export function planStack(t: Template, o: PlanOptions): StackPlan {
  const unsupported: string[] = t.otherSections.map(
    (s) => `section ${s} (not read by lamina deploy)`,
  );
  const ignored: string[] = [];
  const arn = (kind: string, name: string): string =>
    `arn:aws:lambda:${o.region}:${o.accountId}:${kind}:${name}`;
  const refs: Record<string, Json> = {
    'AWS::Region': o.region,
    'AWS::AccountId': o.accountId,
    'AWS::StackName': o.stack,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    ...parameterValues(t, o),
  };
  const attributes: Record<string, Json> = {};
  // Names may use parameters and pseudo parameters (`!Sub "\${AWS::StackName}-x"`), not resources.
  const nameScope: ResolveScope = { refs: { ...refs }, attributes: {} };
  const nameOf = (id: string, props: JsonObject, key: string): string => {
    const v = props[key];
    return v === undefined ? `${o.stack}-${id}` : text(resolveValue(v, nameScope));
  };
  const functionName = (id: string, props: JsonObject): string =>
    props['FunctionName'] === undefined
      ? `${o.stack}-${id}`.toLowerCase()
      : nameOf(id, props, 'FunctionName');
  const layerName = (id: string, props: JsonObject): string => nameOf(id, props, 'LayerName');
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type === 'AWS::Serverless::Function') {
      const name = functionName(id, r.Properties);
      refs[id] = name;
      attributes[`${id}.Arn`] = arn('function', name);
    } else if (r.Type === 'AWS::Serverless::LayerVersion') {
      const v = `${arn('layer', layerName(id, r.Properties))}:${LAYER_VERSION_PLACEHOLDER}`;
      refs[id] = v;
      attributes[`${id}.Arn`] = v;
    }
  }
  const scope: ResolveScope = { refs, attributes };
  const globalsFunction = isObject(t.globals['Function']) ? t.globals['Function'] : {};
  for (const section of Object.keys(t.globals))
    if (section !== 'Function') unsupported.push(`Globals.${section}`);
  const path = (p: string): string => (isAbsolute(p) ? p : resolve(o.templateDir, p));

  const functions: PlannedFunction[] = [];
  const layers: PlannedLayer[] = [];
  for (const [id, r] of Object.entries(t.resources)) {
    for (const k of Object.keys(r.rest)) if (k !== 'Metadata') unsupported.push(`${id}.${k}`);
    if (r.Type === 'AWS::Serverless::LayerVersion') {
      const p = resolveValue(r.Properties, scope) as JsonObject;
      for (const k of Object.keys(p))
        if (!LAYER_PROPERTIES.has(k)) unsupported.push(`${id}.Properties.${k}`);
      if (typeof p['ContentUri'] !== 'string')
        throw new TemplateError(
          `${id}: ContentUri must be a local folder or .zip (S3 locations are not supported)`,
        );
      layers.push({
        logicalId: id,
        name: layerName(id, p),
        contentPath: path(p['ContentUri']),
        ...(str(p['Description']) === undefined
          ? {}
          : { description: str(p['Description']) ?? '' }),
        compatibleRuntimes: Array.isArray(p['CompatibleRuntimes'])
          ? p['CompatibleRuntimes'].map(text)
          : [],
      });
      continue;
    }
    if (r.Type !== 'AWS::Serverless::Function') {
      unsupported.push(`resource ${id} (${r.Type})`);
      continue;
    }
    const p = resolveValue(merged(globalsFunction, r.Properties), scope) as JsonObject;
    for (const k of Object.keys(p)) {
      if (IGNORED_PROPERTIES.has(k))
        ignored.push(`${id}.Properties.${k} (IAM, tracing and tags do not apply on Lamina)`);
      else if (!FUNCTION_PROPERTIES.has(k)) unsupported.push(`${id}.Properties.${k}`);
    }
    if (p['PackageType'] !== undefined && p['PackageType'] !== 'Zip')
      unsupported.push(
        `${id}.Properties.PackageType ${text(p['PackageType'])} (template deploys take .zip code)`,
      );
    const codeUri = p['CodeUri'] ?? '.';
    if (typeof codeUri !== 'string')
      throw new TemplateError(
        `${id}: CodeUri must be a local folder or .zip (S3 locations are not supported)`,
      );
    const runtime = str(p['Runtime']);
    const handler = str(p['Handler']);
    if (runtime === undefined || handler === undefined)
      throw new TemplateError(
        `${id}: Runtime and Handler are required (in the function or Globals.Function)`,
      );
    const env =
      isObject(p['Environment']) && isObject(p['Environment']['Variables'])
        ? p['Environment']['Variables']
        : undefined;
    const dlq = isObject(p['DeadLetterQueue']) ? str(p['DeadLetterQueue']['TargetArn']) : undefined;
    const pc = isObject(p['ProvisionedConcurrencyConfig'])
      ? num(p['ProvisionedConcurrencyConfig']['ProvisionedConcurrentExecutions'])
      : undefined;
    const alias = str(p['AutoPublishAlias']);
    if (pc !== undefined && alias === undefined)
      unsupported.push(
        `${id}.Properties.ProvisionedConcurrencyConfig (needs AutoPublishAlias, as in SAM)`,
      );
    const fn: PlannedFunction = {
      logicalId: id,
      name: functionName(id, p),
      runtime,
      handler,
      codePath: path(codeUri),
      ...(str(p['Description']) === undefined ? {} : { description: str(p['Description']) ?? '' }),
      ...(num(p['MemorySize']) === undefined ? {} : { memorySize: num(p['MemorySize']) ?? 128 }),
      ...(num(p['Timeout']) === undefined ? {} : { timeout: num(p['Timeout']) ?? 3 }),
      ...(env === undefined
        ? {}
        : { environment: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, text(v)])) }),
      layers: Array.isArray(p['Layers']) ? p['Layers'].map(text) : [],
      ...(dlq === undefined ? {} : { deadLetterTargetArn: dlq }),
      ...(alias === undefined ? {} : { alias }),
      ...(num(p['ReservedConcurrentExecutions']) === undefined
        ? {}
        : { reservedConcurrency: num(p['ReservedConcurrentExecutions']) ?? 0 }),
      ...(pc === undefined || alias === undefined ? {} : { provisionedConcurrency: pc }),
      ...(isObject(p['EventInvokeConfig']) ? { eventInvokeConfig: p['EventInvokeConfig'] } : {}),
      events: planEvents(id, isObject(p['Events']) ? p['Events'] : {}, unsupported),
      ...(isObject(p['FunctionUrlConfig']) ? { url: p['FunctionUrlConfig'] } : {}),
    };
    functions.push(fn);
  }
  return { stack: o.stack, functions, layers, unsupported, ignored };
}

/**
 * Every route of the gateway's API in one table (issue #18): the operation's name (for the audit
 * log), the IAM action it needs and the resource ARN it acts on, built from the path, the query
 * and, for CreateFunction, the body. The request guard authorises with it; a route missing here is
 * authenticated but needs no action (it answers UnknownOperationException anyway).
 *
 * Invariants: resources are ARNs of the gateway's own region and account; a function named by an
 * ARN or `name:qualifier` in the path, or with `?Qualifier=`, is authorised on the qualified ARN
 * (IAM's rule for Lambda: `function:f` does not cover `function:f:prod`); `management` is false
 * only for the invoke path, whose successes the audit log leaves out (CloudTrail's data events).
 */
import { type ArnContext, parseFunctionRef } from '@lamina/core';

export interface OperationContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly arn: ArnContext;
  /** The request body, parsed as JSON when it is an object; else undefined. */
  readonly body: () => Record<string, unknown> | undefined;
}

export interface Operation {
  readonly name: string;
  readonly action: string;
  readonly resource: string;
  /** Function (and qualifier) whose resource policy may also admit the caller. */
  readonly fn?: { readonly name: string; readonly qualifier: string | undefined };
  /** The ARN named another account's function: AWS refuses it (403) before anything else. */
  readonly foreign?: boolean;
  readonly management: boolean;
}

type Resource = (c: OperationContext) => Pick<Operation, 'resource' | 'fn' | 'foreign'>;

const lambdaArn = (a: ArnContext, rest: string): string =>
  `arn:aws:lambda:${a.region}:${a.accountId}:${rest}`;

/** The function of `:name` (with its qualifier) as an ARN. */
const fnResource: Resource = (c) => {
  const raw = c.params['name'] ?? '';
  try {
    const ref = parseFunctionRef(raw, c.query.get('Qualifier') ?? undefined);
    const q = ref.qualifier === undefined ? '' : `:${ref.qualifier}`;
    const account = ref.accountId ?? c.arn.accountId;
    return {
      resource: lambdaArn({ ...c.arn, accountId: account }, `function:${ref.name}${q}`),
      fn: { name: ref.name, qualifier: ref.qualifier },
      ...(account === c.arn.accountId ? {} : { foreign: true }),
    };
  } catch {
    // The route answers the validation error; authorise on what was given.
    return { resource: lambdaArn(c.arn, `function:${raw}`) };
  }
};
const createdFn: Resource = (c) => {
  const name = c.body()?.['FunctionName'];
  return { resource: lambdaArn(c.arn, `function:${typeof name === 'string' ? name : '*'}`) };
};
const all: Resource = () => ({ resource: '*' });
/** A taggable resource: its ARN is the path parameter. */
const tagged: Resource = (c) => ({ resource: c.params['arn'] ?? '' });
const layer: Resource = (c) => ({
  resource: lambdaArn(c.arn, `layer:${c.params['layer'] ?? ''}`),
});
const layerVersion: Resource = (c) => ({
  resource: lambdaArn(c.arn, `layer:${c.params['layer'] ?? ''}:${c.params['version'] ?? ''}`),
});
const mapping: Resource = (c) => ({
  resource: lambdaArn(c.arn, `event-source-mapping:${c.params['uuid'] ?? ''}`),
});
const schedule: Resource = (c) => ({
  resource: `arn:aws:scheduler:${c.arn.region}:${c.arn.accountId}:schedule/${c.query.get('groupName') ?? 'default'}/${c.params['name'] ?? ''}`,
});
const scheduleGroup: Resource = (c) => ({
  resource: `arn:aws:scheduler:${c.arn.region}:${c.arn.accountId}:schedule-group/${c.params['name'] ?? ''}`,
});

type Row = readonly [method: string, path: string, name: string, resource: Resource];

const F = '/2015-03-31/functions/:name';
const ROWS: readonly Row[] = [
  ['POST', `${F}/invocations`, 'Invoke', fnResource],
  ['POST', '/2015-03-31/functions', 'CreateFunction', createdFn],
  ['GET', '/2015-03-31/functions', 'ListFunctions', all],
  ['GET', F, 'GetFunction', fnResource],
  ['DELETE', F, 'DeleteFunction', fnResource],
  ['GET', `${F}/configuration`, 'GetFunctionConfiguration', fnResource],
  ['PUT', `${F}/configuration`, 'UpdateFunctionConfiguration', fnResource],
  ['PUT', `${F}/code`, 'UpdateFunctionCode', fnResource],
  ['POST', `${F}/versions`, 'PublishVersion', fnResource],
  ['GET', `${F}/versions`, 'ListVersionsByFunction', fnResource],
  ['POST', `${F}/aliases`, 'CreateAlias', fnResource],
  ['GET', `${F}/aliases`, 'ListAliases', fnResource],
  ['GET', `${F}/aliases/:alias`, 'GetAlias', fnResource],
  ['PUT', `${F}/aliases/:alias`, 'UpdateAlias', fnResource],
  ['DELETE', `${F}/aliases/:alias`, 'DeleteAlias', fnResource],
  ['POST', `${F}/policy`, 'AddPermission', fnResource],
  ['GET', `${F}/policy`, 'GetPolicy', fnResource],
  ['DELETE', `${F}/policy/:sid`, 'RemovePermission', fnResource],
  ['PUT', '/2017-10-31/functions/:name/concurrency', 'PutFunctionConcurrency', fnResource],
  ['DELETE', '/2017-10-31/functions/:name/concurrency', 'DeleteFunctionConcurrency', fnResource],
  ['GET', '/2019-09-30/functions/:name/concurrency', 'GetFunctionConcurrency', fnResource],
  [
    'PUT',
    '/2019-09-30/functions/:name/provisioned-concurrency',
    'PutProvisionedConcurrencyConfig',
    fnResource,
  ],
  [
    'GET',
    '/2019-09-30/functions/:name/provisioned-concurrency',
    'GetProvisionedConcurrencyConfig',
    fnResource,
  ],
  [
    'DELETE',
    '/2019-09-30/functions/:name/provisioned-concurrency',
    'DeleteProvisionedConcurrencyConfig',
    fnResource,
  ],
  [
    'PUT',
    '/2019-09-25/functions/:name/event-invoke-config',
    'PutFunctionEventInvokeConfig',
    fnResource,
  ],
  [
    'POST',
    '/2019-09-25/functions/:name/event-invoke-config',
    'UpdateFunctionEventInvokeConfig',
    fnResource,
  ],
  [
    'GET',
    '/2019-09-25/functions/:name/event-invoke-config',
    'GetFunctionEventInvokeConfig',
    fnResource,
  ],
  [
    'DELETE',
    '/2019-09-25/functions/:name/event-invoke-config',
    'DeleteFunctionEventInvokeConfig',
    fnResource,
  ],
  [
    'GET',
    '/2019-09-25/functions/:name/event-invoke-config/list',
    'ListFunctionEventInvokeConfigs',
    fnResource,
  ],
  ['POST', '/2021-10-31/functions/:name/url', 'CreateFunctionUrlConfig', fnResource],
  ['GET', '/2021-10-31/functions/:name/url', 'GetFunctionUrlConfig', fnResource],
  ['PUT', '/2021-10-31/functions/:name/url', 'UpdateFunctionUrlConfig', fnResource],
  ['DELETE', '/2021-10-31/functions/:name/url', 'DeleteFunctionUrlConfig', fnResource],
  ['GET', '/2021-10-31/functions/:name/urls', 'ListFunctionUrlConfigs', fnResource],
  ['POST', '/2018-10-31/layers/:layer/versions', 'PublishLayerVersion', layer],
  ['GET', '/2018-10-31/layers', 'ListLayers', all],
  ['GET', '/2018-10-31/layers/:layer/versions', 'ListLayerVersions', layer],
  ['GET', '/2018-10-31/layers/:layer/versions/:version', 'GetLayerVersion', layerVersion],
  ['DELETE', '/2018-10-31/layers/:layer/versions/:version', 'DeleteLayerVersion', layerVersion],
  ['POST', '/2015-03-31/event-source-mappings', 'CreateEventSourceMapping', all],
  ['GET', '/2015-03-31/event-source-mappings', 'ListEventSourceMappings', all],
  ['GET', '/2015-03-31/event-source-mappings/:uuid', 'GetEventSourceMapping', mapping],
  ['PUT', '/2015-03-31/event-source-mappings/:uuid', 'UpdateEventSourceMapping', mapping],
  ['DELETE', '/2015-03-31/event-source-mappings/:uuid', 'DeleteEventSourceMapping', mapping],
  ['GET', '/2016-08-19/account-settings', 'GetAccountSettings', all],
  ['POST', '/2014-11-13/functions/:name/invoke-async', 'InvokeAsync', fnResource],
  ['POST', '/2021-11-15/functions/:name/response-streaming-invocations', 'Invoke', fnResource],
  ['POST', '/2017-03-31/tags/:arn', 'TagResource', tagged],
  ['DELETE', '/2017-03-31/tags/:arn', 'UntagResource', tagged],
  ['GET', '/2017-03-31/tags/:arn', 'ListTags', tagged],
  [
    'GET',
    '/2020-06-30/functions/:name/code-signing-config',
    'GetFunctionCodeSigningConfig',
    fnResource,
  ],
  ['GET', '/2020-04-22/code-signing-configs', 'ListCodeSigningConfigs', all],
  [
    'GET',
    '/2021-07-20/functions/:name/runtime-management-config',
    'GetRuntimeManagementConfig',
    fnResource,
  ],
  [
    'PUT',
    '/2021-07-20/functions/:name/runtime-management-config',
    'PutRuntimeManagementConfig',
    fnResource,
  ],
  ['GET', '/2024-08-31/functions/:name/recursion-config', 'GetFunctionRecursionConfig', fnResource],
  ['PUT', '/2024-08-31/functions/:name/recursion-config', 'PutFunctionRecursionConfig', fnResource],
  ['GET', '/lamina/v1/queues/:name/messages', 'ReceiveQueueMessages', all],
  ['GET', '/lamina/v1/functions/:name/logs', 'lamina:GetFunctionLogs', fnResource],
  ['GET', '/lamina/v1/functions/:name/metrics', 'lamina:GetFunctionMetrics', fnResource],
  ['POST', '/schedules/:name', 'scheduler:CreateSchedule', schedule],
  ['GET', '/schedules/:name', 'scheduler:GetSchedule', schedule],
  ['PUT', '/schedules/:name', 'scheduler:UpdateSchedule', schedule],
  ['DELETE', '/schedules/:name', 'scheduler:DeleteSchedule', schedule],
  ['GET', '/schedules', 'scheduler:ListSchedules', all],
  ['POST', '/schedule-groups/:name', 'scheduler:CreateScheduleGroup', scheduleGroup],
  ['GET', '/schedule-groups/:name', 'scheduler:GetScheduleGroup', scheduleGroup],
  ['DELETE', '/schedule-groups/:name', 'scheduler:DeleteScheduleGroup', scheduleGroup],
  ['GET', '/schedule-groups', 'scheduler:ListScheduleGroups', all],
];

/**
 * Paths nobody signs: probes, metrics, code and sealed-variable downloads (they carry their own
 * tokens) and the web console's static files (its API calls are signed in the browser, ADR 0038).
 */
export function isUnsigned(path: string): boolean {
  return (
    path === '/healthz' ||
    path === '/metrics' ||
    path.startsWith('/lamina/v1/code/') ||
    path.startsWith('/lamina/v1/environment/') ||
    path === '/console' ||
    path.startsWith('/console/')
  );
}

/** Reads the console polls (logs, chart series): like Invoke, data events the audit leaves out. */
const DATA_EVENTS: ReadonlySet<string> = new Set([
  'Invoke',
  'lamina:GetFunctionLogs',
  'lamina:GetFunctionMetrics',
]);

/** IAM's action of an operation: Invoke is `lambda:InvokeFunction`; a prefixed name is its own. */
function actionOf(name: string): string {
  if (name === 'Invoke') return 'lambda:InvokeFunction';
  if (name === 'ReceiveQueueMessages') return 'lamina:ReceiveQueueMessages';
  return name.includes(':') ? name : `lambda:${name}`;
}

interface CompiledRow {
  readonly method: string;
  readonly re: RegExp;
  readonly keys: readonly string[];
  readonly name: string;
  readonly resource: Resource;
}

const COMPILED: readonly CompiledRow[] = ROWS.map(([method, path, name, resource]) => {
  const keys: string[] = [];
  const body = path.replace(/:(\w+)/g, (_m, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { method, re: new RegExp(`^${body}/?$`), keys, name, resource };
});

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The operation a request calls, or undefined for a path the API does not have. */
export function operationOf(
  method: string,
  path: string,
  query: URLSearchParams,
  arn: ArnContext,
  body: () => Record<string, unknown> | undefined,
): Operation | undefined {
  for (const row of COMPILED) {
    if (row.method !== method) continue;
    const m = row.re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    row.keys.forEach((k, i) => (params[k] = decode(m[i + 1] ?? '')));
    const name = row.name.replace(/^(scheduler|lamina):/, '');
    return {
      name,
      action: actionOf(row.name),
      ...row.resource({ params, query, arn, body }),
      management: !DATA_EVENTS.has(row.name),
    };
  }
  return undefined;
}

/**
 * The console's list pages: functions (with state and configuration at a glance), event source
 * mappings and schedules with their state. Each links to the function it serves.
 */
import { type Api, enc } from './api.js';
import { h, section, table } from './dom.js';
import {
  type EventSourceMapping,
  type FunctionConfiguration,
  functionNameOf,
  type Schedule,
  type ScheduleSummary,
} from './lambda-types.js';
import type { Page } from './page.js';

const still: Page = { stop: () => undefined };

export const fnLink = (name: string): HTMLElement =>
  h('a', { href: `#/functions/${enc(name)}`, class: 'fn' }, name);

export const stateBadge = (state: string | undefined): HTMLElement =>
  h('span', { class: `badge state-${(state ?? 'unknown').toLowerCase()}` }, state ?? '—');

export async function listAll<T>(api: Api, path: string, key: string): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 20; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const url = marker === undefined ? path : `${path}${sep}Marker=${enc(marker)}`;
    const r = await api.json<Record<string, unknown>>(url);
    out.push(...((r[key] as T[] | undefined) ?? []));
    const next = r['NextMarker'] ?? r['NextToken'];
    if (typeof next !== 'string' || next === '') break;
    marker = next;
  }
  return out;
}

export async function functionsPage(api: Api, main: HTMLElement): Promise<Page> {
  const fns = await listAll<FunctionConfiguration>(api, '/2015-03-31/functions/', 'Functions');
  fns.sort((a, b) => a.FunctionName.localeCompare(b.FunctionName));
  // ListFunctions carries no State (as on AWS): each row's badge is filled from its configuration.
  const states = new Map(fns.map((f) => [f.FunctionName, stateBadge(f.State)]));
  for (const f of fns.slice(0, 100)) {
    if (f.State !== undefined) continue;
    api
      .json<FunctionConfiguration>(`/2015-03-31/functions/${enc(f.FunctionName)}/configuration`)
      .then(
        (c) => {
          states.get(f.FunctionName)?.replaceWith(stateBadge(c.State));
        },
        () => undefined,
      );
  }
  main.replaceChildren(
    section(
      `Functions (${fns.length})`,
      table(
        ['Name', 'State', 'Runtime', 'Memory', 'Timeout', 'Last modified', 'Description'],
        fns.map((f) => [
          fnLink(f.FunctionName),
          states.get(f.FunctionName) ?? stateBadge(f.State),
          f.PackageType === 'Image' ? 'image' : (f.Runtime ?? ''),
          f.MemorySize === undefined ? '' : `${f.MemorySize} MB`,
          f.Timeout === undefined ? '' : `${f.Timeout} s`,
          f.LastModified ?? '',
          f.Description ?? '',
        ]),
        'No functions yet. Create one with `lamina deploy` or the AWS SDK.',
      ),
    ),
  );
  return still;
}

export const sourceOf = (m: EventSourceMapping): string =>
  m.EventSourceArn ??
  [
    Object.values(m.SelfManagedEventSource?.Endpoints ?? {})
      .flat()
      .join(','),
    ...(m.Topics ?? []),
  ]
    .filter((x) => x !== '')
    .join(' / ');

export function mappingsTable(
  mappings: readonly EventSourceMapping[],
  withFunction: boolean,
): HTMLElement {
  return table(
    [...(withFunction ? ['Function'] : []), 'UUID', 'Source', 'State', 'Batch size', 'Last result'],
    mappings.map((m) => [
      ...(withFunction ? [fnLink(functionNameOf(m.FunctionArn))] : []),
      h('code', {}, m.UUID),
      sourceOf(m),
      stateBadge(m.State),
      m.BatchSize ?? '',
      m.LastProcessingResult ?? m.StateTransitionReason ?? '',
    ]),
    'No event source mappings.',
  );
}

export async function mappingsPage(api: Api, main: HTMLElement): Promise<Page> {
  const mappings = await listAll<EventSourceMapping>(
    api,
    '/2015-03-31/event-source-mappings/',
    'EventSourceMappings',
  );
  main.replaceChildren(
    section(`Event source mappings (${mappings.length})`, mappingsTable(mappings, true)),
  );
  return still;
}

/** Every schedule, with its expression (one GetSchedule each, the first 100). */
export async function allSchedules(api: Api): Promise<Schedule[]> {
  const summaries = await listAll<ScheduleSummary>(api, '/schedules', 'Schedules');
  return Promise.all(
    summaries
      .slice(0, 100)
      .map((s) =>
        api
          .json<Schedule>(`/schedules/${enc(s.Name)}?groupName=${enc(s.GroupName ?? 'default')}`)
          .catch(() => s),
      ),
  );
}

export function schedulesTable(schedules: readonly Schedule[]): HTMLElement {
  return table(
    ['Name', 'Group', 'Expression', 'State', 'Target'],
    schedules.map((s) => [
      s.Name,
      s.GroupName ?? 'default',
      h('code', {}, s.ScheduleExpression ?? ''),
      stateBadge(s.State),
      s.Target?.Arn?.includes(':function:') === true
        ? fnLink(functionNameOf(s.Target.Arn))
        : (s.Target?.Arn ?? ''),
    ]),
    'No schedules.',
  );
}

export async function schedulesPage(api: Api, main: HTMLElement): Promise<Page> {
  const schedules = await allSchedules(api);
  main.replaceChildren(section(`Schedules (${schedules.length})`, schedulesTable(schedules)));
  return still;
}

/**
 * One function in the console: state and configuration, versions and aliases with their weights,
 * an invoke form showing the result and the Tail log, charts of its calls, its recent invocations
 * (from the REPORT lines of its log), a live log tail and the event sources and schedules that
 * call it. Charts refresh every 5 s and the log every 2 s while the page is shown.
 */
import { type Api, ApiError, enc } from './api.js';
import { chart, CHARTS, type Point } from './charts.js';
import { facts, h, section, table, time } from './dom.js';
import { invokePanel } from './invoke-panel.js';
import type {
  AliasConfiguration,
  EventSourceMapping,
  FunctionConfiguration,
  LogEvent,
} from './lambda-types.js';
import { LogView } from './log-view.js';
import type { Page } from './page.js';
import { allSchedules, listAll, mappingsTable, schedulesTable, stateBadge } from './pages-list.js';

interface GetFunction {
  readonly Configuration: FunctionConfiguration;
  readonly Concurrency?: { readonly ReservedConcurrentExecutions?: number };
  readonly Code?: { readonly ImageUri?: string };
}

function configuration(g: GetFunction): HTMLElement {
  const c = g.Configuration;
  const vars = Object.keys(c.Environment?.Variables ?? {});
  const log = c.LoggingConfig;
  return section(
    'Configuration',
    facts([
      ['State', h('span', {}, stateBadge(c.State), ' ', c.StateReason ?? '')],
      ['Last update', c.LastUpdateStatus],
      ['Runtime', c.PackageType === 'Image' ? `image ${g.Code?.ImageUri ?? ''}` : c.Runtime],
      ['Handler', c.Handler],
      ['Memory', c.MemorySize === undefined ? undefined : `${c.MemorySize} MB`],
      ['Timeout', c.Timeout === undefined ? undefined : `${c.Timeout} s`],
      [
        'Ephemeral storage',
        c.EphemeralStorage?.Size === undefined ? undefined : `${c.EphemeralStorage.Size} MB`,
      ],
      ['Architecture', c.Architectures?.join(', ')],
      ['Reserved concurrency', g.Concurrency?.ReservedConcurrentExecutions],
      ['Code size', c.CodeSize === undefined ? undefined : `${c.CodeSize} bytes`],
      ['Environment', vars.length === 0 ? undefined : vars.join(', ')],
      ['Layers', c.Layers?.map((l) => l.Arn ?? '').join(', ')],
      [
        'Logging',
        log === undefined
          ? undefined
          : [log.LogFormat, log.ApplicationLogLevel, log.SystemLogLevel]
              .filter((x) => x !== undefined)
              .join(' · '),
      ],
      ['Last modified', c.LastModified],
      ['ARN', c.FunctionArn === undefined ? undefined : h('code', {}, c.FunctionArn)],
    ]),
  );
}

function versionsAndAliases(
  versions: readonly FunctionConfiguration[],
  aliases: readonly AliasConfiguration[],
): HTMLElement {
  return section(
    'Versions and aliases',
    table(
      ['Version', 'Last modified', 'Description'],
      versions.map((v) => [v.Version ?? '', v.LastModified ?? '', v.Description ?? '']),
      'No versions.',
    ),
    table(
      ['Alias', 'Routes to', 'Description'],
      aliases.map((a) => {
        const extra = a.RoutingConfig?.AdditionalVersionWeights ?? {};
        const rest = Object.values(extra).reduce((t, w) => t + w, 0);
        const routes = [
          `${a.FunctionVersion} (${Math.round((1 - rest) * 100)} %)`,
          ...Object.entries(extra).map(([v, w]) => `${v} (${Math.round(w * 100)} %)`),
        ].join(' · ');
        return [h('strong', {}, a.Name), routes, a.Description ?? ''];
      }),
      'No aliases.',
    ),
  );
}

/** A REPORT line, or a JSON `platform.report` record (LoggingConfig JSON), as its numbers. */
function reportOf(
  message: string,
): { id: string; duration: number; init?: number; status?: string } | undefined {
  const m = /^REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms/.exec(message);
  if (m !== null) {
    const init = /Init Duration: ([\d.]+) ms/.exec(message);
    return {
      id: m[1] ?? '',
      duration: Number(m[2]),
      ...(init === null ? {} : { init: Number(init[1]) }),
    };
  }
  if (!message.startsWith('{"time":') || !message.includes('"type":"platform.report"')) return;
  try {
    const r = (JSON.parse(message) as { record?: PlatformReport }).record;
    if (r === undefined || typeof r.requestId !== 'string') return undefined;
    const init = r.metrics?.initDurationMs;
    return {
      id: r.requestId,
      duration: r.metrics?.durationMs ?? 0,
      ...(init === undefined ? {} : { init }),
      ...(r.status === undefined ? {} : { status: r.status }),
    };
  } catch {
    return undefined;
  }
}

interface PlatformReport {
  readonly requestId?: unknown;
  readonly status?: string;
  readonly metrics?: { readonly durationMs?: number; readonly initDurationMs?: number };
}

/** Recent invocations from the log: one row per REPORT line (or record), newest first. */
export function invocationsOf(
  events: readonly LogEvent[],
): { id: string; time: number; duration: number; init?: number; error: boolean }[] {
  const failed = new Set<string>();
  for (const e of events) {
    if (
      e.requestId !== undefined &&
      /\tERROR\t|"level":"(ERROR|FATAL)"|Invoke Error|Task timed out|Runtime\.\w+Error|Status: (error|timeout)/.test(
        e.message,
      )
    )
      failed.add(e.requestId);
  }
  const rows = [];
  for (const e of events) {
    const r = reportOf(e.message);
    if (r === undefined) continue;
    rows.push({
      id: r.id,
      time: e.time,
      duration: r.duration,
      ...(r.init === undefined ? {} : { init: r.init }),
      error: failed.has(r.id) || (r.status !== undefined && r.status !== 'success'),
    });
  }
  return rows.reverse();
}

export async function functionPage(api: Api, main: HTMLElement, name: string): Promise<Page> {
  const base = `/2015-03-31/functions/${enc(name)}`;
  const [g, versions, aliases, mappings, schedules] = await Promise.all([
    api.json<GetFunction>(base),
    listAll<FunctionConfiguration>(api, `${base}/versions`, 'Versions'),
    listAll<AliasConfiguration>(api, `${base}/aliases`, 'Aliases'),
    listAll<EventSourceMapping>(
      api,
      `/2015-03-31/event-source-mappings/?FunctionName=${enc(name)}`,
      'EventSourceMappings',
    ).catch(() => []),
    allSchedules(api).catch(() => []),
  ]);
  const mine = schedules.filter(
    (s) =>
      s.Target?.Arn !== undefined &&
      new RegExp(`:function:${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:|$)`).test(
        s.Target.Arn,
      ),
  );
  const charts = h('div', { class: 'charts' });
  const invocations = h('div', { class: 'invocations' });
  const logs = new LogView(api, name, (events) => {
    renderInvocations(events);
  });
  const renderInvocations = (events: readonly LogEvent[]): void => {
    const rows = invocationsOf(events).slice(0, 25);
    invocations.replaceChildren(
      table(
        ['Time', 'Request id', 'Duration', 'Init', 'Result'],
        rows.map((r) => [
          time(r.time),
          h(
            'button',
            {
              class: 'link',
              onclick: () => {
                logs.only(r.id);
              },
            },
            r.id,
          ),
          `${r.duration.toFixed(2)} ms`,
          r.init === undefined ? '' : `${r.init.toFixed(2)} ms`,
          h(
            'span',
            { class: r.error ? 'badge state-failed' : 'badge state-active' },
            r.error ? 'error' : 'ok',
          ),
        ]),
        'No invocations in the log yet.',
      ),
    );
  };
  const refreshCharts = async (): Promise<void> => {
    try {
      const { points } = await api.json<{ points: Point[] }>(
        `/lamina/v1/functions/${enc(name)}/metrics`,
      );
      charts.replaceChildren(...CHARTS.map((c) => chart(c, points)));
    } catch (err) {
      charts.replaceChildren(
        h(
          'p',
          { class: 'error' },
          err instanceof ApiError ? `${err.type}: ${err.message}` : String(err),
        ),
      );
    }
  };
  main.replaceChildren(
    h('h1', {}, name, ' ', stateBadge(g.Configuration.State)),
    h(
      'div',
      { class: 'grid' },
      configuration(g),
      invokePanel(api, name, () => {
        void refreshCharts();
        void logs.poll();
      }),
    ),
    section(
      'Metrics',
      h(
        'p',
        { class: 'hint' },
        "This gateway's own counts, per 10 s interval; the last interval ends now.",
      ),
      charts,
    ),
    section('Recent invocations', invocations),
    section('Log', logs.element),
    versionsAndAliases(versions, aliases),
    section('Event sources', mappingsTable(mappings, false)),
    section('Schedules', schedulesTable(mine)),
  );
  renderInvocations([]);
  await Promise.all([refreshCharts(), logs.poll()]);
  const chartTimer = setInterval(() => void refreshCharts(), 5000);
  logs.start();
  return {
    stop: () => {
      clearInterval(chartTimer);
      logs.stop();
    },
  };
}

/**
 * Small SVG charts of the gateway's series (routes/function-logs.ts's metrics): bars for counts
 * per interval, lines for durations and concurrency. Each figure carries its metric's name and
 * total as data attributes, so a test (and a screen reader) can read what the picture shows.
 */
import { h, s } from './dom.js';

export interface Point {
  readonly time: number;
  readonly invocations: number;
  readonly errors: number;
  readonly throttles: number;
  readonly concurrency: number;
  readonly p50?: number;
  readonly p99?: number;
}

type Field = 'invocations' | 'errors' | 'throttles' | 'concurrency' | 'p50' | 'p99';

export interface ChartSpec {
  readonly title: string;
  readonly metric: string;
  readonly kind: 'bar' | 'line';
  readonly series: readonly { readonly field: Field; readonly color: string }[];
  readonly unit?: string;
}

export const CHARTS: readonly ChartSpec[] = [
  {
    title: 'Invocations',
    metric: 'invocations',
    kind: 'bar',
    series: [{ field: 'invocations', color: '#3b6fd6' }],
  },
  {
    title: 'Errors',
    metric: 'errors',
    kind: 'bar',
    series: [{ field: 'errors', color: '#d13b3b' }],
  },
  {
    title: 'Throttles',
    metric: 'throttles',
    kind: 'bar',
    series: [{ field: 'throttles', color: '#d19a3b' }],
  },
  {
    title: 'Duration p50 / p99',
    metric: 'duration',
    kind: 'line',
    unit: 'ms',
    series: [
      { field: 'p50', color: '#3b9d6f' },
      { field: 'p99', color: '#8a3bd1' },
    ],
  },
  {
    title: 'Concurrency',
    metric: 'concurrency',
    kind: 'line',
    series: [{ field: 'concurrency', color: '#2a8a9a' }],
  },
];

const W = 300;
const H = 110;
const PAD = { left: 34, right: 6, top: 8, bottom: 18 };

const round = (v: number): string =>
  v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '');

export function chart(spec: ChartSpec, points: readonly Point[]): HTMLElement {
  const values = points.map((p) => spec.series.map((se) => p[se.field]));
  const max = Math.max(1, ...values.flat().map((v) => v ?? 0));
  const total =
    spec.kind === 'bar'
      ? points.reduce((t, p) => t + (p[spec.series[0]?.field ?? 'invocations'] ?? 0), 0)
      : undefined;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number): number =>
    PAD.left + (points.length <= 1 ? innerW : (innerW * i) / (points.length - 1));
  const y = (v: number): number => PAD.top + innerH - (innerH * v) / max;
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: 'img',
    'aria-label': spec.title,
  });
  svg.append(
    s('line', {
      x1: PAD.left,
      y1: PAD.top + innerH,
      x2: W - PAD.right,
      y2: PAD.top + innerH,
      class: 'axis',
    }),
    s('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: PAD.top + innerH, class: 'axis' }),
    s('text', { x: PAD.left - 4, y: PAD.top + 8, 'text-anchor': 'end', class: 'tick' }, round(max)),
    s('text', { x: PAD.left - 4, y: PAD.top + innerH, 'text-anchor': 'end', class: 'tick' }, '0'),
  );
  const first = points[0];
  const last = points[points.length - 1];
  if (first !== undefined && last !== undefined) {
    const hm = (t: number): string => new Date(t).toISOString().slice(11, 16);
    svg.append(
      s('text', { x: PAD.left, y: H - 4, class: 'tick' }, hm(first.time)),
      s('text', { x: W - PAD.right, y: H - 4, 'text-anchor': 'end', class: 'tick' }, hm(last.time)),
    );
  }
  spec.series.forEach((se, k) => {
    if (spec.kind === 'bar') {
      const bw = Math.max(2, innerW / Math.max(1, points.length) - 2);
      points.forEach((p, i) => {
        const v = p[se.field] ?? 0;
        if (v <= 0) return;
        const cx = PAD.left + ((innerW - bw) * i) / Math.max(1, points.length - 1);
        svg.append(
          s(
            'rect',
            { x: cx, y: y(v), width: bw, height: PAD.top + innerH - y(v), fill: se.color },
            s('title', {}, `${v}`),
          ),
        );
      });
      return;
    }
    const pts = values
      .map((vs, i) => [i, vs[k]] as const)
      .filter((e): e is readonly [number, number] => e[1] !== undefined)
      .map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    if (pts.length > 0)
      svg.append(
        s('polyline', { points: pts.join(' '), fill: 'none', stroke: se.color, 'stroke-width': 2 }),
      );
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      svg.append(s('circle', { cx: cx ?? '0', cy: cy ?? '0', r: 2.5, fill: se.color }));
    }
  });
  const legend =
    spec.series.length > 1
      ? h(
          'span',
          { class: 'legend' },
          ...spec.series.map((se) => h('span', { class: `key key-${se.field}` }, se.field)),
        )
      : null;
  const latest =
    last === undefined
      ? undefined
      : spec.series.map((se) => last[se.field]).find((v) => v !== undefined);
  const summary =
    total !== undefined
      ? `${total} in ${points.length} intervals`
      : latest === undefined
        ? 'no data'
        : `now ${round(latest)}${spec.unit ?? ''}`;
  return h(
    'figure',
    {
      class: 'chart',
      'data-metric': spec.metric,
      ...(total === undefined ? {} : { 'data-total': total }),
    },
    h('figcaption', {}, spec.title, ' ', h('small', {}, summary), legend),
    svg,
  );
}

/**
 * The console's live log of one function (the gateway's logs API, both modes): polls from the
 * newest line seen, keeps the last 2,000 lines, filters by a regular expression or one request
 * id, and can be paused. Every line arrives once (a line at the newest millisecond is remembered
 * until a newer one comes, as the CLI's --follow does).
 */
import { type Api, ApiError, enc } from './api.js';
import { h, time } from './dom.js';
import type { LogEvent } from './lambda-types.js';

const KEEP = 2000;
const SHOW = 500;

export class LogView {
  readonly element: HTMLElement;
  private events: LogEvent[] = [];
  private newest = 0;
  private atNewest = new Set<string>();
  private requestId: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly pre = h('pre', { class: 'log', id: 'log-lines' });
  private readonly status = h('span', { class: 'hint' });
  private readonly filter = h('input', {
    id: 'log-filter',
    placeholder: 'filter (regular expression)',
  }) as HTMLInputElement;
  private readonly paused = h('input', { type: 'checkbox', id: 'log-paused' }) as HTMLInputElement;
  private readonly only_ = h('span', { class: 'only' });

  constructor(
    private readonly api: Api,
    private readonly name: string,
    private readonly onEvents: (all: readonly LogEvent[]) => void,
  ) {
    this.filter.addEventListener('input', () => {
      this.render();
    });
    this.element = h(
      'div',
      {},
      h(
        'div',
        { class: 'row' },
        this.filter,
        h('label', { class: 'inline' }, this.paused, ' pause'),
        this.only_,
        this.status,
      ),
      this.pre,
    );
  }

  /** Shows only one invocation's lines (a click in the invocations table). */
  only(requestId: string | undefined): void {
    this.requestId = requestId;
    this.only_.replaceChildren(
      requestId === undefined
        ? ''
        : h(
            'span',
            {},
            `request ${requestId} `,
            h(
              'button',
              {
                class: 'link',
                onclick: () => {
                  this.only(undefined);
                },
              },
              'show all',
            ),
          ),
    );
    this.render();
  }

  async poll(): Promise<void> {
    if (this.paused.checked) return;
    const since = this.newest === 0 ? '' : `&since=${this.newest}`;
    try {
      const { events } = await this.api.json<{ events: LogEvent[] }>(
        `/lamina/v1/functions/${enc(this.name)}/logs?limit=1000${since}`,
      );
      let added = 0;
      for (const e of events) {
        const id = `${e.logStream ?? ''}\u0000${e.message}`;
        if (e.time < this.newest || (e.time === this.newest && this.atNewest.has(id))) continue;
        if (e.time > this.newest) {
          this.newest = e.time;
          this.atNewest = new Set();
        }
        this.atNewest.add(id);
        this.events.push(e);
        added++;
      }
      if (this.events.length > KEEP) this.events.splice(0, this.events.length - KEEP);
      this.status.textContent = `updated ${time(Date.now())}`;
      if (added > 0 || this.pre.childElementCount === 0) {
        this.render();
        this.onEvents(this.events);
      }
    } catch (err) {
      this.status.textContent =
        err instanceof ApiError ? `${err.type}: ${err.message}` : String(err);
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), 2000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private render(): void {
    let re: RegExp | undefined;
    try {
      re = this.filter.value === '' ? undefined : new RegExp(this.filter.value);
      this.filter.classList.remove('invalid');
    } catch {
      this.filter.classList.add('invalid');
    }
    const shown = this.events
      .filter(
        (e) =>
          (this.requestId === undefined || e.requestId === this.requestId) &&
          (re === undefined || re.test(e.message)),
      )
      .slice(-SHOW);
    this.pre.replaceChildren(
      ...(shown.length === 0
        ? [h('span', { class: 'hint' }, 'No log lines yet.')]
        : shown.map((e) =>
            h('div', { class: 'line' }, h('span', { class: 'ts' }, time(e.time)), ' ', e.message),
          )),
    );
    this.pre.scrollTop = this.pre.scrollHeight;
  }
}

/**
 * The web console (issue #22, ADR 0038): a read-mostly single page served by the gateway at
 * /console. Hash routes: `#/` functions, `#/functions/NAME` one function, `#/event-sources`,
 * `#/schedules`. On a gateway that checks signatures it first asks for an access key, kept in
 * this tab's sessionStorage only, and signs every call with it (sigv4.ts).
 *
 * Invariants: one page's timers are stopped before the next page renders (`Page.stop`); every
 * value from the API is shown as text (dom.ts); an API error is shown in place, never thrown away.
 */
import { Api, ApiError, type ConsoleConfig } from './api.js';
import { h } from './dom.js';
import type { Page, Render } from './page.js';
import { functionPage } from './page-function.js';
import { functionsPage, mappingsPage, schedulesPage } from './pages-list.js';

function login(api: Api, main: HTMLElement, message?: string): void {
  const id = h('input', { name: 'accessKeyId', autocomplete: 'username', required: true });
  const secret = h('input', {
    name: 'secretAccessKey',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: (e: Event) => {
        e.preventDefault();
        api.key = {
          accessKeyId: (id as HTMLInputElement).value.trim(),
          secretAccessKey: (secret as HTMLInputElement).value,
        };
        void route(api, main);
      },
    },
    h('h2', {}, 'Sign in'),
    h(
      'p',
      {},
      `This gateway checks signatures: give an access key (region ${api.config.region}). It stays in this tab only.`,
    ),
    message === undefined ? null : h('p', { class: 'error' }, message),
    h('label', {}, 'Access key ID', id),
    h('label', {}, 'Secret access key', secret),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  main.replaceChildren(form);
}

let current: Page | undefined;
/** Redraws the header's key line (set by boot). */
let showWho: () => void = () => undefined;

async function route(api: Api, main: HTMLElement): Promise<void> {
  current?.stop();
  current = undefined;
  showWho();
  if (!api.ready) {
    login(api, main);
    return;
  }
  const hash = location.hash.replace(/^#/, '') || '/';
  const [, first = '', rest = ''] = /^\/([^/]*)\/?(.*)$/.exec(hash) ?? [];
  const render: Render =
    first === 'functions' && rest !== ''
      ? functionPage
      : first === 'event-sources'
        ? mappingsPage
        : first === 'schedules'
          ? schedulesPage
          : functionsPage;
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.getAttribute('href') === `#/${first}`);
  }
  main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    current = await render(api, main, decodeURIComponent(rest));
  } catch (err) {
    if (err instanceof ApiError && [401, 403].includes(err.status) && api.config.signed) {
      api.key = undefined;
      login(api, main, `${err.type}: ${err.message}`);
      return;
    }
    main.replaceChildren(
      h(
        'p',
        { class: 'error' },
        err instanceof ApiError ? `${err.type}: ${err.message}` : String(err),
      ),
    );
  }
}

async function boot(): Promise<void> {
  const res = await fetch('config.json', { cache: 'no-store' });
  const config = (await res.json()) as ConsoleConfig;
  const api = new Api(config);
  const main = document.getElementById('main') ?? document.body;
  const who = document.getElementById('who');
  showWho = (): void => {
    const key = api.key;
    who?.replaceChildren(
      key === undefined
        ? config.signed
          ? 'not signed in'
          : 'open gateway'
        : h(
            'span',
            {},
            key.accessKeyId,
            ' ',
            h(
              'button',
              {
                class: 'link',
                onclick: () => {
                  api.key = undefined;
                  void route(api, main);
                },
              },
              'sign out',
            ),
          ),
    );
  };
  window.addEventListener('hashchange', () => {
    void route(api, main);
  });
  await route(api, main);
}

void boot();

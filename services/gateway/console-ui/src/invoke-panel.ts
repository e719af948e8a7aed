/**
 * The console's invoke form: a payload, an optional qualifier and the invocation type; a sync
 * call asks for the Tail log (X-Amz-Log-Type: Tail) and shows the result, the executed version,
 * any function error and the decoded log — what `aws lambda invoke --log-type Tail` prints.
 */
import { type Api, ApiError, enc } from './api.js';
import { facts, h } from './dom.js';

const decodeBase64 = (b64: string): string =>
  new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));

const pretty = (text: string): string => {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};

export function invokePanel(api: Api, name: string, onInvoked: () => void): HTMLElement {
  const payload = h('textarea', {
    id: 'invoke-payload',
    rows: 6,
    spellcheck: false,
  }) as HTMLTextAreaElement;
  payload.value = '{}';
  const qualifier = h('input', {
    id: 'invoke-qualifier',
    placeholder: '$LATEST',
  }) as HTMLInputElement;
  const type = h(
    'select',
    { id: 'invoke-type' },
    h('option', { value: 'RequestResponse' }, 'RequestResponse'),
    h('option', { value: 'Event' }, 'Event'),
    h('option', { value: 'DryRun' }, 'DryRun'),
  ) as HTMLSelectElement;
  const out = h('div', { id: 'invoke-output' });
  const button = h(
    'button',
    { id: 'invoke-button', type: 'submit' },
    'Invoke',
  ) as HTMLButtonElement;
  const run = async (): Promise<void> => {
    button.disabled = true;
    out.replaceChildren(h('p', { class: 'loading' }, 'Invoking…'));
    const q = qualifier.value.trim();
    const url = `/2015-03-31/functions/${enc(name)}/invocations${q === '' ? '' : `?Qualifier=${enc(q)}`}`;
    const started = performance.now();
    try {
      const r = await api.raw('POST', url, {
        body: payload.value,
        headers: {
          'x-amz-invocation-type': type.value,
          ...(type.value === 'RequestResponse' ? { 'x-amz-log-type': 'Tail' } : {}),
        },
      });
      const ms = performance.now() - started;
      const error = r.headers.get('x-amz-function-error');
      const log = r.headers.get('x-amz-log-result');
      out.replaceChildren(
        facts([
          ['Status', `${r.status}${error === null ? '' : ` · ${error}`}`],
          ['Executed version', r.headers.get('x-amz-executed-version') ?? undefined],
          ['Request id', r.headers.get('x-amzn-requestid') ?? undefined],
          ['Round trip', `${ms.toFixed(0)} ms`],
        ]),
        h('h3', {}, error === null ? 'Result' : 'Error'),
        h(
          'pre',
          { id: 'invoke-result', class: error === null ? 'result' : 'result failed' },
          r.text === '' ? '(empty)' : pretty(r.text),
        ),
        ...(log === null
          ? []
          : [
              h('h3', {}, 'Log (Tail)'),
              h('pre', { id: 'invoke-log', class: 'log' }, decodeBase64(log)),
            ]),
      );
      onInvoked();
    } catch (err) {
      out.replaceChildren(
        h(
          'p',
          { class: 'error', id: 'invoke-error' },
          err instanceof ApiError ? `${err.type}: ${err.message}` : String(err),
        ),
      );
    } finally {
      button.disabled = false;
    }
  };
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Invoke'),
    h(
      'form',
      {
        class: 'invoke',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void run();
        },
      },
      h('label', {}, 'Payload (JSON)', payload),
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'Qualifier', qualifier),
        h('label', {}, 'Type', type),
        button,
      ),
    ),
    out,
  );
}

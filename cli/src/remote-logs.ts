/**
 * `lamina logs` against a gateway (issue #22): the logs API (`GET /lamina/v1/functions/{name}/logs`,
 * the gateway's routes/function-logs.ts), signed with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY when
 * set, as the SDK clients are. Works in both modes; a cluster's gateway reads the worker pods.
 *
 * Invariants: --follow polls from the newest time seen and never prints an event twice (events at
 * that same millisecond are remembered until a newer one arrives); an API error becomes the
 * CliError its name calls for (toCliError), an unreachable gateway says so.
 */
import { signRequest } from '@lamina/core';

import { toCliError } from './api-error.js';
import type { Run } from './context.js';

export interface RemoteEvent {
  readonly time: number;
  readonly message: string;
  readonly logStream?: string;
  readonly requestId?: string;
}

export interface RemoteQuery {
  readonly since?: number;
  readonly filter?: string;
  readonly requestId?: string;
  readonly limit?: number;
}

/** One call of the logs API. */
export async function fetchLogEvents(
  run: Pick<Run, 'settings' | 'io'>,
  name: string,
  q: RemoteQuery,
): Promise<RemoteEvent[]> {
  const params = new URLSearchParams();
  if (q.since !== undefined) params.set('since', String(q.since));
  if (q.filter !== undefined) params.set('filter', q.filter);
  if (q.requestId !== undefined) params.set('requestId', q.requestId);
  if (q.limit !== undefined) params.set('limit', String(q.limit));
  const base = new URL(run.settings.endpoint);
  const path = `/lamina/v1/functions/${encodeURIComponent(name)}/logs`;
  const query = params.toString().replace(/\+/g, '%20');
  const url = `${path}${query === '' ? '' : `?${query}`}`;
  const headers: Record<string, string> = { host: base.host };
  const { env } = run.io;
  const key = env['AWS_ACCESS_KEY_ID'];
  const secret = env['AWS_SECRET_ACCESS_KEY'];
  if (key !== undefined && key !== '' && secret !== undefined) {
    Object.assign(
      headers,
      signRequest({
        method: 'GET',
        url,
        headers: { host: base.host },
        body: '',
        accessKeyId: key,
        secretAccessKey: secret,
        region: run.settings.region,
        service: 'lambda',
        now: Date.now(),
      }),
    );
  }
  const doing = `logs ${name}`;
  let res: Response;
  try {
    res = await fetch(new URL(url, base), { headers });
  } catch (err) {
    throw toCliError(err, run.settings.endpoint, doing);
  }
  const text = await res.text();
  if (!res.ok) {
    let body: { Type?: string; Message?: string; message?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON: the status says enough
    }
    const err = Object.assign(new Error(body.Message ?? body.message ?? `HTTP ${res.status}`), {
      name: res.headers.get('x-amzn-errortype') ?? body.Type ?? `HTTP${res.status}`,
    });
    throw toCliError(err, run.settings.endpoint, doing);
  }
  return (JSON.parse(text) as { events: RemoteEvent[] }).events;
}

/** Prints events not printed before; returns the cursor for the next poll. */
export class FollowCursor {
  private newest = 0;
  private atNewest = new Set<string>();

  /** The events of `batch` not seen yet, in order; moves the cursor. */
  fresh(batch: readonly RemoteEvent[]): RemoteEvent[] {
    const out: RemoteEvent[] = [];
    for (const e of batch) {
      const id = `${e.logStream ?? ''}\u0000${e.message}`;
      if (e.time < this.newest || (e.time === this.newest && this.atNewest.has(id))) continue;
      if (e.time > this.newest) {
        this.newest = e.time;
        this.atNewest = new Set();
      }
      this.atNewest.add(id);
      out.push(e);
    }
    return out;
  }

  /** `since` for the next poll: the newest time seen (its events are filtered out). */
  since(fallback: number | undefined): number | undefined {
    return this.newest === 0 ? fallback : this.newest;
  }
}

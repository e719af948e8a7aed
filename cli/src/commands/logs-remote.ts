/**
 * The gateway side of `lamina logs` (issue #22): one read of the logs API, or with --follow a
 * poll every second from the newest line seen until interrupted (remote-logs.ts's FollowCursor
 * prints each line once). Output matches the local reader: the line, optionally after its time.
 */
import type { Command } from 'commander';

import { CliError, EXIT } from '../cli-error.js';
import { type CliContext, withRun } from '../context.js';
import { parseSince } from '../log-reader.js';
import { fetchLogEvents, FollowCursor, type RemoteEvent } from '../remote-logs.js';

/** The flags of `lamina logs`. */
export interface LogsFlags {
  follow?: boolean;
  since?: string;
  filter?: string;
  stateDir?: string;
  timestamps?: boolean;
  requestId?: string;
  remote?: boolean;
}

const POLL_MS = 1000;

export async function followRemote(
  ctx: CliContext,
  command: Command,
  name: string,
  opts: LogsFlags,
): Promise<void> {
  if (opts.filter !== undefined) {
    try {
      new RegExp(opts.filter);
    } catch (err) {
      throw new CliError(`--filter: ${(err as Error).message}`, EXIT.usage);
    }
  }
  let since: number | undefined;
  try {
    since = opts.since === undefined ? undefined : parseSince(opts.since, Date.now());
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  await withRun(ctx, command, async (run) => {
    const print = (events: readonly RemoteEvent[]): void => {
      for (const e of events) {
        const time = opts.timestamps === true ? `${new Date(e.time).toISOString()} ` : '';
        run.io.stdout.write(`${time}${e.message}\n`);
      }
    };
    const query = {
      ...(opts.filter === undefined ? {} : { filter: opts.filter }),
      ...(opts.requestId === undefined ? {} : { requestId: opts.requestId }),
    };
    const cursor = new FollowCursor();
    const first = await fetchLogEvents(run, name, {
      ...query,
      ...(since === undefined ? {} : { since }),
    });
    print(cursor.fresh(first));
    if (opts.follow !== true) return;
    const state = { stopped: false };
    const stop = (): void => {
      state.stopped = true;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (state.stopped) break;
        const next = cursor.since(since);
        const batch = await fetchLogEvents(run, name, {
          ...query,
          ...(next === undefined ? {} : { since: next }),
        });
        print(cursor.fresh(batch));
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}

import type { EventSourceMapping, MappingStatus } from '@lamina/core';
import type { Logger } from 'pino';

/** Reports of one running mapping. */
export interface MappingReports {
  onState(event: 'joined' | 'crashed', detail?: string): void;
  onResult(result: string): void;
}

export interface RunningMapping {
  stop(): Promise<void>;
}

export interface MappingSupervisorOptions {
  readonly list: () => Promise<EventSourceMapping[]>;
  readonly putStatus: (uuid: string, status: MappingStatus) => Promise<void>;
  readonly start: (m: EventSourceMapping, reports: MappingReports) => Promise<RunningMapping>;
  readonly intervalMs: number;
  readonly logger: Logger;
}

interface Entry {
  readonly lastModified: number;
  readonly handle: RunningMapping;
}

/**
 * Level-based: every interval it reads the mapping store and makes the running consumers match
 * (start enabled ones, restart changed ones, stop disabled and deleted ones), and writes each
 * mapping's State and LastProcessingResult back when they change.
 */
export class MappingSupervisor {
  private readonly running = new Map<string, Entry>();
  private readonly statuses = new Map<string, MappingStatus>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | undefined;

  constructor(private readonly o: MappingSupervisorOptions) {}

  async start(): Promise<void> {
    await this.sync();
    const tick = (): void => {
      this.timer = setTimeout(() => {
        this.syncing = this.sync().catch((err: unknown) => {
          this.o.logger.warn({ err }, 'mapping sync failed');
        });
        void this.syncing.then(() => {
          if (this.stopped === undefined) tick();
        });
      }, this.o.intervalMs);
    };
    tick();
  }

  private report(uuid: string, change: Partial<MappingStatus>): void {
    const prev = this.statuses.get(uuid) ?? {
      state: 'Creating',
      stateTransitionReason: 'USER_INITIATED',
      lastProcessingResult: 'No records processed',
    };
    const next = { ...prev, ...change };
    if (
      prev.state === next.state &&
      prev.lastProcessingResult === next.lastProcessingResult &&
      prev.stateTransitionReason === next.stateTransitionReason &&
      this.statuses.has(uuid)
    )
      return;
    this.statuses.set(uuid, next);
    if (this.stopped !== undefined) return;
    this.o.putStatus(uuid, next).catch((err: unknown) => {
      this.o.logger.warn({ err, mapping: uuid }, 'could not write the mapping status');
    });
  }

  private async sync(): Promise<void> {
    if (this.stopped !== undefined) return;
    const mappings = await this.o.list();
    const seen = new Set<string>();
    for (const m of mappings) {
      seen.add(m.uuid);
      const entry = this.running.get(m.uuid);
      if (entry !== undefined && (entry.lastModified !== m.lastModified || !m.enabled)) {
        this.running.delete(m.uuid);
        await entry.handle.stop();
      }
      if (!m.enabled) {
        this.report(m.uuid, { state: 'Disabled' });
        continue;
      }
      if (this.running.has(m.uuid)) continue;
      const log = this.o.logger.child({ mapping: m.uuid });
      try {
        const handle = await this.o.start(m, {
          onState: (event, detail) => {
            if (event === 'joined') this.report(m.uuid, { state: 'Enabled' });
            else this.report(m.uuid, { lastProcessingResult: `PROBLEM: ${detail ?? 'crashed'}` });
          },
          onResult: (result) => {
            this.report(m.uuid, { lastProcessingResult: result });
          },
        });
        this.running.set(m.uuid, { lastModified: m.lastModified, handle });
        const source = m.kind === 'sqs' ? { queue: m.eventSourceArn } : { topic: m.topics[0] };
        log.info({ ...source, function: m.functionName }, 'mapping started');
      } catch (err) {
        const problem = `PROBLEM: ${err instanceof Error ? err.message : String(err)}`;
        // Once per distinct problem at warn: a missing topic is retried at every sync.
        if (this.statuses.get(m.uuid)?.lastProcessingResult === problem)
          log.debug({ err }, 'mapping could not start; retrying at the next sync');
        else log.warn({ err }, 'mapping could not start; retrying at the next sync');
        this.report(m.uuid, { lastProcessingResult: problem });
      }
    }
    for (const [uuid, entry] of this.running) {
      if (seen.has(uuid)) continue;
      this.running.delete(uuid);
      this.statuses.delete(uuid);
      await entry.handle.stop();
    }
  }

  /** Idempotent: stops syncing and every consumer (in-flight batches are dropped uncommitted). */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      clearTimeout(this.timer);
      await this.syncing;
      const all = [...this.running.values()];
      this.running.clear();
      await Promise.all(all.map((e) => e.handle.stop()));
    })();
    return this.stopped;
  }
}

import { type EventSourceMapping, type MappingStatus, validateCreateMapping } from '@lamina/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { type MappingReports, MappingSupervisor } from './mapping-supervisor.js';

const mapping = (uuid: string, extra: Record<string, unknown> = {}, at = 0): EventSourceMapping =>
  validateCreateMapping(
    {
      FunctionName: 'fn',
      Topics: ['t'],
      SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b:9092'] } },
      StartingPosition: 'LATEST',
      ...extra,
    },
    uuid,
    at,
  );

describe('MappingSupervisor', () => {
  it('starts enabled mappings, restarts changed ones, stops disabled and deleted ones', async () => {
    let store = [mapping('a'), mapping('b', { Enabled: false })];
    const events: string[] = [];
    const statuses = new Map<string, MappingStatus>();
    const reports = new Map<string, MappingReports>();
    const s = new MappingSupervisor({
      list: () => Promise.resolve(store),
      putStatus: (uuid, st) => {
        statuses.set(uuid, st);
        return Promise.resolve();
      },
      start: (m, r) => {
        events.push(`start ${m.uuid}@${m.lastModified}`);
        reports.set(m.uuid, r);
        return Promise.resolve({
          stop: () => {
            events.push(`stop ${m.uuid}@${m.lastModified}`);
            return Promise.resolve();
          },
        });
      },
      intervalMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    await s.start();
    expect(events).toEqual(['start a@0']);
    expect(statuses.get('b')?.state).toBe('Disabled');
    reports.get('a')?.onState('joined');
    reports.get('a')?.onResult('OK');
    await Promise.resolve();
    expect(statuses.get('a')).toMatchObject({ state: 'Enabled', lastProcessingResult: 'OK' });

    store = [mapping('a', { BatchSize: 5 }, 7), mapping('b')];
    await (s as unknown as { sync(): Promise<void> }).sync();
    expect(events).toEqual(['start a@0', 'stop a@0', 'start a@7', 'start b@0']);
    store = [];
    await (s as unknown as { sync(): Promise<void> }).sync();
    await s.stop();
    expect(events.slice(4).sort()).toEqual(['stop a@7', 'stop b@0']);
  });
});

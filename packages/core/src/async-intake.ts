/**
 * The async intake stream's entries (ADR 0043): the gateway appends one entry per accepted
 * event to `asyncKeys().intake` (XADD), the dispatchers read them through their consumer group.
 * An entry carries the function name on its own (`f`, so depth and demand samples need not
 * parse the event), the payload as it came (`p`, never escaped into another JSON text) and the
 * rest of the event as JSON (`j`). Encode and decode live side by side.
 *
 * Invariants: `intakeFields` and `decodeIntakeEntry` round-trip every AsyncJobData; an entry
 * that is not one (a field missing, JSON broken, wrong job version) decodes to undefined, never
 * throws; field order is fixed (`f` first) but decoding does not depend on it.
 */
import { ASYNC_JOB_VERSION, type AsyncJobData } from './async-invoke.js';

/** XADD's field/value list of one event. */
export function intakeFields(job: AsyncJobData): string[] {
  const { payload, ...rest } = job;
  return ['f', job.functionName, 'p', payload, 'j', JSON.stringify(rest)];
}

/** The value of `name` in a flat field/value list as Redis returns it. */
export function intakeField(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** The event of an entry; undefined when the entry is not a version-1 event. */
export function decodeIntakeEntry(fields: readonly string[]): AsyncJobData | undefined {
  const text = intakeField(fields, 'j');
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<AsyncJobData> | null;
    const payload = intakeField(fields, 'p');
    const job =
      payload === undefined || parsed === null || typeof parsed !== 'object'
        ? parsed
        : { ...parsed, payload };
    if (
      job === null ||
      typeof job !== 'object' ||
      job.v !== ASYNC_JOB_VERSION ||
      typeof job.functionName !== 'string' ||
      typeof job.requestId !== 'string' ||
      typeof job.payload !== 'string'
    ) {
      return undefined;
    }
    return job as AsyncJobData;
  } catch {
    return undefined;
  }
}

/**
 * SAM `Events` of a function → what Lamina makes of each: a schedule (Schedule, ScheduleV2 →
 * EventBridge Scheduler's API), an event source mapping (SQS, SelfManagedKafka), or the function's
 * URL (HttpApi: Lamina has no API Gateway; the function URL speaks the same payload format 2.0).
 * Other event types are added to `unsupported` by name.
 */
import { isObject, type Json, type JsonObject, text } from './template.js';

export type PlannedEvent =
  | {
      readonly kind: 'schedule';
      readonly id: string;
      readonly expression: string;
      readonly input?: string;
      readonly enabled: boolean;
      readonly timezone?: string;
    }
  | {
      readonly kind: 'sqs';
      readonly id: string;
      readonly queueArn: string;
      readonly batchSize?: number;
      readonly window?: number;
      readonly enabled: boolean;
      readonly reportFailures: boolean;
    }
  | {
      readonly kind: 'kafka';
      readonly id: string;
      readonly servers: readonly string[];
      readonly topic: string;
      readonly startingPosition: string;
      readonly batchSize?: number;
      readonly consumerGroupId?: string;
      readonly enabled: boolean;
    }
  | { readonly kind: 'http'; readonly id: string };

const num = (v: Json | undefined): number | undefined =>
  v === undefined || v === null ? undefined : Number(v);

function enabledOf(p: JsonObject): boolean {
  if (p['Enabled'] === false) return false;
  return p['State'] !== 'DISABLED';
}

export function planEvents(fn: string, events: JsonObject, unsupported: string[]): PlannedEvent[] {
  const out: PlannedEvent[] = [];
  for (const [id, e] of Object.entries(events)) {
    if (!isObject(e)) continue;
    const type = text(e['Type']);
    const p = isObject(e['Properties']) ? e['Properties'] : {};
    const input =
      p['Input'] === undefined
        ? undefined
        : typeof p['Input'] === 'string'
          ? p['Input']
          : JSON.stringify(p['Input']);
    switch (type) {
      case 'Schedule':
      case 'ScheduleV2': {
        const expression = text(p[type === 'Schedule' ? 'Schedule' : 'ScheduleExpression'] ?? '');
        const tz = p['ScheduleExpressionTimezone'];
        out.push({
          kind: 'schedule',
          id,
          expression,
          enabled: enabledOf(p),
          ...(input === undefined ? {} : { input }),
          ...(typeof tz === 'string' ? { timezone: tz } : {}),
        });
        break;
      }
      case 'SQS': {
        const types = Array.isArray(p['FunctionResponseTypes']) ? p['FunctionResponseTypes'] : [];
        const b = num(p['BatchSize']);
        const w = num(p['MaximumBatchingWindowInSeconds']);
        out.push({
          kind: 'sqs',
          id,
          queueArn: text(p['Queue'] ?? ''),
          enabled: enabledOf(p),
          reportFailures: types.includes('ReportBatchItemFailures'),
          ...(b === undefined ? {} : { batchSize: b }),
          ...(w === undefined ? {} : { window: w }),
        });
        break;
      }
      case 'SelfManagedKafka': {
        const servers = Array.isArray(p['KafkaBootstrapServers'])
          ? p['KafkaBootstrapServers'].map(text)
          : [];
        const topics = Array.isArray(p['Topics']) ? p['Topics'].map(text) : [];
        const b = num(p['BatchSize']);
        const group = p['ConsumerGroupId'];
        if (p['SourceAccessConfigurations'] !== undefined)
          unsupported.push(
            `${fn}.Events.${id}.Properties.SourceAccessConfigurations (Kafka credentials are Secrets on Lamina)`,
          );
        out.push({
          kind: 'kafka',
          id,
          servers,
          topic: topics[0] ?? '',
          startingPosition: text(p['StartingPosition'] ?? 'LATEST'),
          enabled: enabledOf(p),
          ...(b === undefined ? {} : { batchSize: b }),
          ...(typeof group === 'string' ? { consumerGroupId: group } : {}),
        });
        break;
      }
      case 'HttpApi':
        out.push({ kind: 'http', id });
        break;
      default:
        unsupported.push(`${fn}.Events.${id} (${type})`);
    }
  }
  return out;
}

/**
 * The poller's view of the shared gateway client (@lamina/service-kit): Kafka rules, so a
 * missing function (404) is a system error the partition waits out, and a too-large batch
 * (413) is split. Invariant: the poller never classifies statuses itself.
 */
import type {
  KAFKA_INVOKE_RULES,
  Invoker as SharedInvoker,
  InvokeOutcome as SharedOutcome,
} from '@lamina/service-kit';

export type KafkaInvokeRules = typeof KAFKA_INVOKE_RULES;
/** A sync invoke's answer under the Kafka rules. */
export type InvokeOutcome = SharedOutcome<KafkaInvokeRules>;
/** Runs one batch synchronously; never throws. */
export type Invoker = SharedInvoker<KafkaInvokeRules>;

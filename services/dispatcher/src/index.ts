export { ConfigError, type DispatcherConfig, loadConfig } from './config.js';
export {
  type DispatcherHandle,
  startDispatcher,
  type StartDispatcherOptions,
} from './start-dispatcher.js';
export { NAMED_QUEUE_MAX_LENGTH } from './targets/named-queue.js';
export { EventNotDeliveredError, type EventJob, type ProcessResult } from './event-processor.js';
export { IntakeConsumer, type IntakeConsumerOptions } from './intake-consumer.js';
export { QueueDepth } from './queue-depth.js';
export { RunRecords, type RunRecordsOptions } from './run-records.js';

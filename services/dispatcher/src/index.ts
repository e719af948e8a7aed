export { ConfigError, type DispatcherConfig, loadConfig } from './config.js';
export {
  type DispatcherHandle,
  startDispatcher,
  type StartDispatcherOptions,
} from './start-dispatcher.js';
export { NAMED_QUEUE_MAX_LENGTH } from './targets/named-queue.js';

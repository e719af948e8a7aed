export { ConfigError, loadConfig, type PollerConfig } from './config.js';
export { type PollerHandle, startPoller, type StartPollerOptions } from './start-poller.js';
export { loadMappingManifests } from './mapping-manifests.js';
export { consumerConfig, type ConsumerTuning } from './mapping-consumer.js';

export {
  type Admission,
  type Lease,
  RedisAdmission,
  type RedisAdmissionOptions,
} from './admission.js';
export { createApp } from './app.js';
export { ConfigError, type GatewayConfig, loadConfig, type LogLevel } from './config.js';
export { type AppDeps, type Clock, systemClock } from './deps.js';
export { createMetrics, type GatewayMetrics } from './metrics.js';
export { applyRequestLimits, type RequestLimits } from './request-limits.js';
export * from './store/index.js';
export {
  MemoryMappingStore,
  type MappingStore,
  RedisMappingStore,
  type StoredMapping,
} from './store/mapping-store.js';
export {
  type AsyncStore,
  RedisAsyncStore,
  type RedisAsyncStoreOptions,
} from './async/async-store.js';

/**
 * The gateway's entry points and the types they take: the one composition (`startGateway`), the
 * two backends' factories, and the configuration loaders. Internals stay internal: whoever needs
 * another mode writes a backend, not a composition (ADR 0016).
 */
export { clusterBackend, type ClusterBackendOptions } from './cluster/cluster-backend.js';
export { type ClusterConfig, loadClusterConfig } from './cluster-config.js';
export { ConfigError, type GatewayConfig, loadConfig, type LogLevel } from './config.js';
export type { BackendContext, BackendFactory, GatewayBackend } from './gateway-backend.js';
export { localBackend, type LocalBackendOptions } from './local/local-backend.js';
export { type GatewayHandle, startGateway, type StartGatewayOptions } from './start-gateway.js';

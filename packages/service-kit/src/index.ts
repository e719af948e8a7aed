export * from './gateway-client.js';
export * from './http-post.js';
export * from './invoke-kind.js';
export * from './run-service.js';
export * from './sqs-queues.js';
export * from './tracing.js';
export * from './signals.js';

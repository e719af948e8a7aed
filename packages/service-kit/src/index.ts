export * from './http-post.js';
export * from './run-service.js';

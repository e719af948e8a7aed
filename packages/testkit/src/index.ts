/** @lamina/testkit: fixtures for tests and benches only; production code never imports it (lint). */
export * from './eventually.js';
export * from './start-lamina.js';
export * from './start-service.js';
export * from './test-env.js';
export * from './unique-name.js';
export * from './watched-process.js';
export * from './build-zip.js';

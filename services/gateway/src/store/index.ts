export { CodeCollector, type CodeCollectorOptions, storeReferences } from './code-collector.js';
export { type CodeFreezer, CodeSnapshots, type CodeSnapshotsOptions } from './code-snapshots.js';
export { DiskCodeStore, type DiskCodeStoreOptions } from './disk-code-store.js';
export { FileFunctionStore, type FileFunctionStoreOptions } from './file-function-store.js';
export { FileVersionStore, type FileVersionStoreOptions } from './file-version-store.js';
export { MemoryVersionStore } from './memory-version-store.js';
export { type DirectoryDigest, hashDirectory } from './hash-directory.js';
export { UNZIP_FAILED_MESSAGE } from './safe-unzip.js';
export type { StoreLogger } from './store-logger.js';

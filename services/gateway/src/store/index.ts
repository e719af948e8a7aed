export { DiskCodeStore, type DiskCodeStoreOptions } from './disk-code-store.js';
export { FileFunctionStore, type FileFunctionStoreOptions } from './file-function-store.js';
export { type DirectoryDigest, hashDirectory } from './hash-directory.js';
export { UNZIP_FAILED_MESSAGE } from './safe-unzip.js';
export type { StoreLogger } from './store-logger.js';

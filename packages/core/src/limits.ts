/** Lambda's limits (reference §3) for standard functions. */
export const LIMITS = {
  memoryMinMb: 128,
  memoryMaxMb: 10_240,
  timeoutMinSeconds: 1,
  timeoutMaxSeconds: 900,
  defaultTimeoutSeconds: 3,
  defaultMemoryMb: 128,
  ephemeralStorageMinMb: 512,
  ephemeralStorageMaxMb: 10_240,
  environmentMaxBytes: 4 * 1024,
  /** A sync request must be smaller than this (observed: < 6,291,456 B). */
  syncRequestMaxBytes: 6 * 1024 * 1024,
  /** The largest sync response (observed: ≤ 6,291,556 B). */
  syncResponseMaxBytes: 6_291_556,
  asyncRequestMaxBytes: 1024 * 1024,
  /** CreateFunction's whole request (a base64 zip inside JSON). */
  createFunctionRequestMaxBytes: 69_905_067,
  zipMaxBytes: 50 * 1024 * 1024,
  unzippedMaxBytes: 250 * 1024 * 1024,
  /**
   * Entries (files, folders, links) of one zip: Lamina's own bound on the work an upload may
   * cause (Lambda publishes none). The most a zip holds without Zip64.
   */
  zipMaxEntries: 65_535,
  functionNameMaxLength: 64,
  functionNameArnMaxLength: 256,
  qualifierMaxLength: 128,
  handlerMaxLength: 128,
  descriptionMaxLength: 256,
  defaultAccountConcurrency: 1000,
  /** Reserved concurrency must leave at least this much for the unreserved pool. */
  minimumUnreservedConcurrency: 100,
  initTimeoutSeconds: 10,
  listMaxItems: 50,
  /** An account's stored code: every function's zip, each version's, each layer version's (75 GiB). */
  codeStorageBytes: 80_530_636_800,
} as const;

import type { FunctionRecord } from './function-record.js';

/** A code package in the content-addressed store. */
export interface CodeArtifact {
  /** base64 SHA-256 of the package (Lambda's CodeSha256). */
  readonly sha256: string;
  /** Hex of the same digest: the store's key. */
  readonly sha256Hex: string;
  /** Bytes of the zip as uploaded. */
  readonly size: number;
  /** Directory with the unpacked code. */
  readonly dir: string;
}

/**
 * A zip already written to a file (spooled) while it was read, e.g. from S3, so it never sits in
 * memory whole. `putZip` consumes it: the file is removed once stored or refused.
 */
export interface SpooledZip {
  readonly path: string;
  readonly sha256Hex: string;
  readonly size: number;
}

/** A zip given as bytes or spooled to a file. */
export type ZipSource = Buffer | SpooledZip;

/**
 * Content-addressed code storage (filesystem/PVC by default). `putZip` checks Lambda's package
 * limits, unpacks safely (no path escapes, unpacked size bounded) and is idempotent.
 */
export interface CodeStore {
  putZip(zip: ZipSource): Promise<CodeArtifact>;
  get(sha256Hex: string): Promise<CodeArtifact | undefined>;
  /** The stored zip, for GetFunction's Code.Location. */
  readZip(sha256Hex: string): Promise<Buffer | undefined>;
}

/**
 * Where function definitions live: a folder of manifests plus what the management API wrote
 * (local mode), or custom resources (cluster mode). Reads are synchronous and served from
 * memory because they sit on the invoke path.
 */
export interface FunctionStore {
  get(name: string): FunctionRecord | undefined;
  list(): readonly FunctionRecord[];
  /** ResourceConflictException when the name is taken. */
  create(record: FunctionRecord): Promise<void>;
  /** ResourceNotFoundException when missing. Returns the stored result. */
  update(
    name: string,
    change: (current: FunctionRecord) => FunctionRecord,
  ): Promise<FunctionRecord>;
  /** ResourceNotFoundException when missing. */
  delete(name: string): Promise<FunctionRecord>;
  /** Called with a function's name whenever it is created, changed or deleted (by anyone). */
  onChange(listener: (name: string) => void): () => void;
  close(): Promise<void>;
}

/**
 * Local mode's environment variables at rest: a function's (or a version's) `spec.environment`
 * is written to the state files sealed, never in plaintext, as an AES-256-GCM envelope — the
 * variables are encrypted with a fresh 256-bit data key, and the data key is encrypted with the
 * state dir's key (`<stateDir>/env.key`, 32 random bytes, created 0600 on first use) or, for a
 * function with a `KMSKeyArn`, by the key that ARN names: the file `<stateDir>/kms-keys/<key id>`
 * (32 bytes raw, or as 64 hex digits or base64; a symlink may keep it elsewhere; ADR 0039).
 *
 * Invariants:
 * - A sealed record has `spec.sealedEnvironment` and no `spec.environment`; opening puts the
 *   variables back, so every other part of the gateway only ever sees `spec.environment`.
 * - The envelope is bound to its record (the function name is GCM's additional data): a sealed
 *   value copied into another function's file does not open.
 * - Files written before sealing existed (plaintext `spec.environment`) still load as they are;
 *   the next write of that record seals it (the migration is "on next update").
 * - A record whose envelope does not open (key file gone or changed, tampered bytes) is a
 *   record problem, reported by the reader like any malformed file, never a crash.
 * - A record naming a KMS key that has no file is not written: Lambda's InvalidParameterValue
 *   answer (`kmsKeyNotFound`), with or without variables, as AWS checks the key on every write.
 */
import { randomBytes } from 'node:crypto';
import { keyBytesOf, type KmsKeys, kmsKeyIdOf, kmsKeyNotFound } from '@lamina/core';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

import {
  envelopeKeyId,
  openEnvelope,
  sealEnvelope,
  type SealedEnvironment,
} from '../env-envelope.js';

export const ENV_KEY_FILE = 'env.key';
/** Local mode's KMS keys: one file per key id under the state dir. */
export const KMS_KEYS_DIR = 'kms-keys';

export type { SealedEnvironment };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the key file, creating it (0600, exclusively: one process wins) when absent. */
function loadOrCreateKey(file: string): Buffer {
  try {
    const key = readFileSync(file);
    if (key.length !== 32) throw new Error(`${file} must hold 32 bytes, not ${key.length}`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateKey(file);
    throw err;
  }
  try {
    writeSync(fd, key);
  } finally {
    closeSync(fd);
  }
  return key;
}

/** Local mode's KMS keys: `<dir>/<key id>`, read on every use (a removed key stops at once). */
export class LocalKmsKeys implements KmsKeys {
  constructor(readonly dir: string) {}

  /** The key of an id; undefined when there is no such file or it holds no 32-byte key. */
  byId(id: string): Buffer | undefined {
    try {
      return keyBytesOf(readFileSync(join(this.dir, id)));
    } catch {
      return undefined;
    }
  }

  key(arn: string): Buffer {
    const key = this.byId(kmsKeyIdOf(arn));
    if (key === undefined) throw kmsKeyNotFound(arn);
    return key;
  }
}

/** Seals and opens the environment of records written to local state files. */
export class EnvSealer {
  private key: Buffer | undefined;
  private readonly keyFile: string;
  readonly kms: LocalKmsKeys;

  constructor(stateDir: string) {
    this.keyFile = join(stateDir, ENV_KEY_FILE);
    this.kms = new LocalKmsKeys(join(stateDir, KMS_KEYS_DIR));
  }

  private masterKey(): Buffer {
    this.key ??= loadOrCreateKey(this.keyFile);
    return this.key;
  }

  /** The key an envelope's `keyId` names, and where it is (for messages). */
  private keyOf(keyId: string): { key: Buffer; where: string } {
    if (keyId === 'local') return { key: this.masterKey(), where: this.keyFile };
    const id = keyId.startsWith('kms:') ? keyId.slice(4) : '';
    const key = id === '' ? undefined : this.kms.byId(id);
    if (key === undefined) throw new Error(`no key ${keyId} (${join(this.kms.dir, id)})`);
    return { key, where: join(this.kms.dir, id) };
  }

  seal(
    environment: Readonly<Record<string, string>>,
    binding: string,
    kmsKeyArn?: string,
  ): SealedEnvironment {
    const master = kmsKeyArn === undefined ? this.masterKey() : this.kms.key(kmsKeyArn);
    const keyId = kmsKeyArn === undefined ? 'local' : `kms:${kmsKeyIdOf(kmsKeyArn)}`;
    return sealEnvelope(environment, binding, master, keyId);
  }

  /** Throws when the envelope is not one of ours or does not open with its key. */
  open(sealed: unknown, binding: string): Record<string, string> {
    const { key, where } = this.keyOf(envelopeKeyId(sealed));
    return openEnvelope(sealed, binding, key, where);
  }

  /**
   * A record (function or version) as it is written: `spec.environment` replaced by
   * `spec.sealedEnvironment` when it holds any variable.
   */
  sealRecord(record: { readonly spec: object }, binding: string): unknown {
    const { environment, ...spec } = record.spec as {
      readonly environment?: Readonly<Record<string, string>>;
      readonly kmsKeyArn?: string;
    };
    // The key is checked on every write, variables or not (AWS answers the same).
    if (spec.kmsKeyArn !== undefined) this.kms.key(spec.kmsKeyArn);
    if (environment === undefined || Object.keys(environment).length === 0) return record;
    return {
      ...record,
      spec: { ...spec, sealedEnvironment: this.seal(environment, binding, spec.kmsKeyArn) },
    };
  }

  /** A parsed record file with its environment opened (plaintext files pass as they are). */
  openRecord(value: unknown, binding: string): unknown {
    if (!isObject(value) || !isObject(value['spec'])) return value;
    const { sealedEnvironment, ...spec } = value['spec'];
    if (sealedEnvironment === undefined) return value;
    return { ...value, spec: { ...spec, environment: this.open(sealedEnvironment, binding) } };
  }
}

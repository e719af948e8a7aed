/**
 * The access keys the gateway accepts (issue #18): each key's secret, its IAM identity and its
 * identity policy, read from the keys document of local mode (`LAMINA_AUTH_KEYS_FILE`) or from
 * the labelled Secrets of a cluster, and held in one `KeyRing` that the request guard reads.
 *
 * Invariants: a key whose entry is malformed (no id or secret, an unreadable policy) is left out
 * and reported, never half-accepted; `replace` swaps a source's whole set at once, so a rotation
 * never leaves a moment with neither key; keys of several sources (the file or the Secrets, plus
 * the platform's own in-process key) are merged, and an id present in two sources keeps the
 * first source's entry.
 */
import { type KeySession, type PolicyDocument, parsePolicy } from '@lamina/core';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** `arn:aws:iam::<account>:user/<user>`: who the caller is in messages and resource policies. */
  readonly arn: string;
  readonly policy: PolicyDocument;
  /** A temporary key's session token: requests must carry it (`X-Amz-Security-Token`). */
  readonly sessionToken?: string;
  /** When a temporary key stops working (epoch ms); absent: it does not expire. */
  readonly expiresAt?: number;
  /**
   * The platform's own key (dispatcher, poller, schedule runner): only its calls may name the
   * event source they are made for (SOURCE_ARN_HEADER, ADR 0046).
   */
  readonly platform?: boolean;
}

/** A key as a keys document or a Secret gives it. */
export interface AccessKeyEntry {
  readonly accessKeyId?: unknown;
  readonly secretAccessKey?: unknown;
  /** The IAM user name; default the access key id. */
  readonly user?: unknown;
  /** An IAM policy document (object or JSON text). */
  readonly policy?: unknown;
  /** Temporary credentials: the session token requests must carry … */
  readonly sessionToken?: unknown;
  /** … and when they expire (ISO 8601, as STS writes `Expiration`). */
  readonly expiration?: unknown;
  /** `true` (or `"true"` in a Secret) for the platform's own key. */
  readonly platform?: unknown;
}

const ID = /^[A-Za-z0-9_-]{4,128}$/;
const USER = /^[\w+=,.@-]{1,64}$/;

/** One entry as an AccessKey; throws (with the reason) when it is malformed. */
export function accessKeyOf(entry: AccessKeyEntry, accountId: string): AccessKey {
  const { accessKeyId, secretAccessKey, user } = entry;
  if (typeof accessKeyId !== 'string' || !ID.test(accessKeyId)) {
    throw new Error('accessKeyId must be 4-128 letters, digits, _ or -');
  }
  if (typeof secretAccessKey !== 'string' || secretAccessKey.length < 8) {
    throw new Error(`${accessKeyId}: secretAccessKey must be at least 8 characters`);
  }
  const name = user ?? accessKeyId;
  if (typeof name !== 'string' || !USER.test(name)) {
    throw new Error(`${accessKeyId}: user must be an IAM user name`);
  }
  if (entry.policy === undefined) throw new Error(`${accessKeyId}: policy is missing`);
  let policy: PolicyDocument;
  try {
    policy = parsePolicy(entry.policy);
  } catch (err) {
    throw new Error(`${accessKeyId}: ${(err as Error).message}`);
  }
  return {
    accessKeyId,
    secretAccessKey,
    arn: `arn:aws:iam::${accountId}:user/${name}`,
    policy,
    ...sessionOf(entry),
    ...(entry.platform === true || entry.platform === 'true' ? { platform: true } : {}),
  };
}

/** A temporary key's session token and expiry; throws when they are malformed. */
function sessionOf(entry: AccessKeyEntry): Pick<AccessKey, 'sessionToken' | 'expiresAt'> {
  const {
    accessKeyId,
    sessionToken: token,
    expiration,
  } = entry as { accessKeyId: string } & AccessKeyEntry;
  if (token === undefined || token === null || token === '') {
    if (expiration !== undefined && expiration !== null) {
      throw new Error(`${accessKeyId}: expiration needs a sessionToken`);
    }
    return {};
  }
  if (typeof token !== 'string' || token.length < 16 || /[\s]/.test(token)) {
    throw new Error(`${accessKeyId}: sessionToken must be at least 16 characters, without spaces`);
  }
  if (expiration === undefined || expiration === null || expiration === '') {
    return { sessionToken: token };
  }
  const at = typeof expiration === 'string' ? Date.parse(expiration) : NaN;
  if (Number.isNaN(at)) {
    throw new Error(`${accessKeyId}: expiration must be an ISO 8601 time (2026-12-07T12:00:00Z)`);
  }
  return { sessionToken: token, expiresAt: at };
}

/** The keys of a keys document, and the problems of the entries left out. */
export function parseKeysDocument(
  doc: unknown,
  accountId: string,
): { keys: AccessKey[]; problems: string[] } {
  const list =
    typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['keys'] : undefined;
  if (!Array.isArray(list)) return { keys: [], problems: ['the document has no "keys" list'] };
  const keys: AccessKey[] = [];
  const problems: string[] = [];
  for (const entry of list) {
    try {
      keys.push(accessKeyOf((entry ?? {}) as AccessKeyEntry, accountId));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return { keys, problems };
}

/** A key's session for SigV4 verification (core's verifySigV4 `sessionOf`). */
export function sessionOfKey(key: AccessKey | undefined): KeySession | undefined {
  if (key?.sessionToken === undefined) return undefined;
  return key.expiresAt === undefined
    ? { sessionToken: key.sessionToken }
    : { sessionToken: key.sessionToken, expiresAt: key.expiresAt };
}

/** Where the guard looks keys up. */
export interface KeyLookup {
  get(accessKeyId: string): AccessKey | undefined;
}

/** Keys from named sources, each replaced whole. */
export class KeyRing implements KeyLookup {
  private readonly sources = new Map<string, ReadonlyMap<string, AccessKey>>();

  replace(source: string, keys: readonly AccessKey[]): void {
    this.sources.set(source, new Map(keys.map((k) => [k.accessKeyId, k])));
  }

  get(accessKeyId: string): AccessKey | undefined {
    for (const keys of this.sources.values()) {
      const key = keys.get(accessKeyId);
      if (key !== undefined) return key;
    }
    return undefined;
  }

  get size(): number {
    let n = 0;
    for (const keys of this.sources.values()) n += keys.size;
    return n;
  }
}
